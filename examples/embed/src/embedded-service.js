// An existing Node HTTP service ("the shop's pricing service") that runs WebAssembly through
// wasm-relay's core: its own routes and identity, core's pipeline (rate limit, validation,
// idempotency, policy), core's memory stores, and the sandbox executor from @wasm-relay/sandbox.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  createInMemoryMetrics,
  createMemoryEventBus,
  createMemoryIdempotencyStore,
  createMemoryModuleResolver,
  createMemoryRateLimitStore,
  createRelay,
  InvalidEventIdError,
  outcomeToHttp,
} from "@wasm-relay/core";
import {
  encodeSseMessage,
  encodeSseRetry,
  SSE_CONTENT_TYPE,
  SSE_EVENTS_LOST_EVENT,
} from "@wasm-relay/core/sse";
import { createSandboxExecutor } from "@wasm-relay/sandbox";

const require = createRequire(import.meta.url);
const MODULES = join(dirname(require.resolve("@wasm-relay/modules/package.json")), "dist");

/**
 * Starts the service.
 * @param {{ port?: number, host?: string, workers?: number, rateLimit?: number }} [options]
 * @returns {Promise<{ url: string, metrics: import("@wasm-relay/core").InMemoryMetrics, close(): Promise<void> }>}
 */
export async function startEmbeddedService(options = {}) {
  // Modules this service trusts, held in memory under their CIDs and a glyph name of its own.
  const resolver = createMemoryModuleResolver();
  const adder = await resolver.add(
    new Uint8Array(await readFile(join(MODULES, "calculator.wasm"))),
  );
  resolver.tag("pricing-add", "v1", adder);

  const executor = createSandboxExecutor({ workers: options.workers ?? 1 });
  const metrics = createInMemoryMetrics();
  const bus = createMemoryEventBus();
  const relay = createRelay({
    executor,
    resolver,
    stores: {
      rateLimit: createMemoryRateLimitStore(),
      idempotency: createMemoryIdempotencyStore(),
    },
    bus,
    metrics,
    config: {
      rateLimit: { limit: options.rateLimit ?? 100, windowMs: 60_000, algorithm: "sliding-window" },
      policy: {
        defaults: { max_memory: 16 * 1024 * 1024, max_gas: 1_000_000, max_time: 1_000 },
        maxima: { max_memory: 16 * 1024 * 1024, max_gas: 10_000_000, max_time: 2_000 },
      },
    },
  });

  /** The service's own identity: a customer id header it already trusts (set by its gateway). */
  const identify = (request) => ({
    userId: String(request.headers["x-customer-id"] ?? "anonymous"),
    roles: [],
  });

  const send = (response, status, body, headers = {}) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { "Content-Type": "application/json", ...headers });
    response.end(text);
  };

  /** Open event feeds, closed when the service closes (a feed never ends by itself). */
  const streams = new Set();
  /** Writes `relay.events` as SSE until the feed ends or the client goes away. */
  const streamEvents = async (request, response, url) => {
    const text = (name) => url.searchParams.get(name) || undefined;
    const lastEventId = request.headers["last-event-id"] || text("last_event_id");
    let feed;
    try {
      feed = await relay.events(identify(request), {
        lastEventId: typeof lastEventId === "string" ? lastEventId : undefined,
        requestId: text("request_id"),
        idempotencyKey: text("idempotency_key"),
      });
    } catch (error) {
      if (!(error instanceof InvalidEventIdError)) throw error;
      send(response, 400, { error: error.message });
      return;
    }
    if (feed.alreadyFinished) {
      feed.close();
      response.writeHead(204).end();
      return;
    }
    response.on("close", () => feed.close());
    response.writeHead(200, { "Content-Type": SSE_CONTENT_TYPE, "Cache-Control": "no-cache" });
    response.write(encodeSseRetry(2_000));
    streams.add(feed);
    try {
      for await (const item of feed) {
        const chunk =
          item.kind === "event"
            ? encodeSseMessage({ id: item.id, data: JSON.stringify(item.event) })
            : item.kind === "events_lost"
              ? encodeSseMessage({
                  event: SSE_EVENTS_LOST_EVENT,
                  data: JSON.stringify(item.notice),
                })
              : "";
        // While the socket is full the feed buffers (up to `maxBuffered` events, then it ends
        // with "overflow" and the client reconnects with its Last-Event-ID).
        if (chunk && !response.write(chunk) && !(await drained(response))) break;
      }
    } finally {
      streams.delete(feed);
      response.end();
    }
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://service.invalid");
    try {
      // The service's own route: a price total computed by the WebAssembly adder.
      if (request.method === "GET" && url.pathname === "/price/total") {
        const base = Number(url.searchParams.get("base"));
        const shipping = Number(url.searchParams.get("shipping"));
        const outcome = await relay.execute(
          { cid: "glyph://pricing-add@v1", inputs: [base, shipping] },
          identify(request),
        );
        if (outcome.kind === "executed" || outcome.kind === "replayed") {
          const { response: result } = outcome;
          if (result.success) {
            send(response, 200, { total: result.output, replayed: outcome.kind === "replayed" });
          } else {
            send(response, 422, { error: result.error.code, message: result.error.message });
          }
          return;
        }
        // Anything else (rate limited, invalid…) keeps core's HTTP mapping.
        const answer = outcomeToHttp(outcome, relay.config.rateLimit.windowMs);
        send(response, answer.status, answer.body, answer.headers);
        return;
      }
      // A generic pass-through of core's pipeline under the service's own path.
      if (request.method === "POST" && url.pathname === "/wasm/run") {
        let text = "";
        for await (const chunk of request) text += chunk;
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          send(response, 400, { error: "the body is not JSON" });
          return;
        }
        const outcome = await relay.execute(body, identify(request));
        const answer = outcomeToHttp(outcome, relay.config.rateLimit.windowMs);
        send(response, answer.status, answer.body, answer.headers);
        return;
      }
      // The customer's execution events as Server-Sent Events, from core's event feed: their own
      // executions, one of them with `?idempotency_key=` (or `?request_id=`), resumable.
      if (request.method === "GET" && url.pathname === "/events") {
        await streamEvents(request, response, url);
        return;
      }
      if (request.method === "GET" && url.pathname === "/stats") {
        send(response, 200, {
          executions: metrics.count("relay.execute_wasm.success"),
          failures: metrics.count("relay.execute_wasm.error"),
          replays: metrics.count("relay.execute_wasm.idempotent_hit"),
          pool: executor.stats(),
        });
        return;
      }
      send(response, 404, { error: `no route for ${request.method} ${url.pathname}` });
    } catch (error) {
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  });

  await new Promise((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const address = server.address();
  return {
    url: `http://${address.address}:${address.port}`,
    metrics,
    async close() {
      // Open event streams never end by themselves: end them so that the server can close.
      for (const feed of streams) feed.close();
      await new Promise((resolve) => server.close(resolve));
      await executor.close();
    },
  };
}

/** Resolves `true` once `response` drained, `false` if it closed first. */
function drained(response) {
  return new Promise((resolve) => {
    const onDrain = () => {
      response.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      response.off("drain", onDrain);
      resolve(false);
    };
    response.once("drain", onDrain);
    response.once("close", onClose);
  });
}
