import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInMemoryMetrics, type ExecutionEvent, METRIC_NAMES } from "@wasm-relay/core";
import { startRelayServer } from "@wasm-relay/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConnectionError,
  createClient,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type RetryNotice,
  ValidationError,
} from "../src/index.js";
import { schemaValidator } from "../src/validation.js";
import { startCuttingProxy } from "./support/cutting-proxy.js";

const CALCULATOR = "glyph://calculator@quantum";

/** A distinct user per test, so rate limits and idempotency keys never meet. */
let userCount = 0;
const identity = () => ({ user_id: `client-e2e-${process.pid}-${++userCount}`, session_id: "s" });

describe("against the real server", () => {
  const metrics = createInMemoryMetrics();
  let relay: Awaited<ReturnType<typeof startRelayServer>>;

  beforeAll(async () => {
    relay = await startRelayServer({ metrics, env: { RELAY_RATE_LIMIT: "1000" } });
  });
  afterAll(async () => {
    await relay?.close();
  });

  const executions = () => metrics.count(METRIC_NAMES.success) + metrics.count(METRIC_NAMES.error);

  it("executes, validates the answer with the schemas and streams the execution's events", async () => {
    const client = createClient({
      baseUrl: relay.url,
      headers: identity(),
      validate: schemaValidator,
    });
    const events: ExecutionEvent[] = [];
    const result = await client.execute(
      { cid: CALCULATOR, inputs: [5, 3] },
      { onEvent: (event) => events.push(event) },
    );
    expect(result.success).toBe(true);
    if (result.success) expect(result.output).toBe(8);
    expect(result.request_id).toMatch(/^[0-9a-f]{64}$/);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((event) => event.request_id === result.request_id)).toBe(true);
    expect(events[0]!.type).toBe("execution_queued");
    expect(events.map((event) => event.type)).toContain("execution_started");
    expect(events.at(-1)!.type).toBe("execution_complete");

    // A late subscriber to that request sees its events through to the end, then the stream ends.
    const replayed: ExecutionEvent[] = [];
    for await (const event of client.events({ requestId: result.request_id })) replayed.push(event);
    expect(replayed.map((event) => event.type)).toEqual(events.map((event) => event.type));

    const health = await client.health();
    expect(health.features.sse_events).toBe(true);
  });

  it("concurrent executions of one user and module: each onEvent receives its own execution's events only", async () => {
    const headers = identity();
    const client = createClient({ baseUrl: relay.url, headers });
    const received: ExecutionEvent[][] = [[], [], [], []];
    // Beside them, calls of the same module without an idempotency key (as curl would send).
    const keyless = (a: number) =>
      fetch(`${relay.url}/intent/execute-wasm`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ cid: CALCULATOR, inputs: [a, 0] }),
      }).then((response) => response.text());
    const [results] = await Promise.all([
      Promise.all(
        received.map((events, index) =>
          client.execute(
            { cid: CALCULATOR, inputs: [index, 100] },
            { onEvent: (event) => events.push(event) },
          ),
        ),
      ),
      Promise.all([keyless(1_000), keyless(2_000), keyless(3_000)]),
    ]);
    for (const [index, result] of results.entries()) {
      const events = received[index]!;
      expect(events.map((event) => event.request_id)).toEqual(events.map(() => result.request_id));
      expect(events[0]?.type).toBe("execution_queued");
      expect(events.at(-1)?.type).toBe("execution_complete");
    }
    expect(new Set(results.map((result) => result.request_id)).size).toBe(4);
  });

  it("retries a connection dropped after the server executed: same result, one execution", async () => {
    const headers = identity();
    for (const bytesBeforeCut of [0, 40]) {
      const proxy = await startCuttingProxy(relay.url, { cutConnections: 1, bytesBeforeCut });
      try {
        const retries: RetryNotice[] = [];
        const client = createClient({
          baseUrl: proxy.url,
          headers,
          retry: { initialDelay: 10, onRetry: (retry) => retries.push(retry) },
        });
        const before = executions();
        const inputs = [20, bytesBeforeCut];
        const result = await client.execute({ cid: CALCULATOR, inputs });
        expect(proxy.cuts).toBe(1);
        expect(retries).toHaveLength(1);
        expect(ConnectionError.isInstance(retries[0]!.error)).toBe(true);
        expect(result.meta.attempts).toBe(2);
        expect(result.meta.replayed).toBe(true);
        expect(result.success).toBe(true);
        if (result.success) expect(result.output).toBe(20 + bytesBeforeCut);
        // The module ran once: the retry was answered from the idempotency record.
        expect(executions() - before).toBe(1);

        // The same logical call again, directly: the very same answer, still one execution.
        const direct = createClient({ baseUrl: relay.url, headers });
        const again = await direct.execute(
          { cid: CALCULATOR, inputs },
          { idempotencyKey: result.meta.idempotencyKey },
        );
        expect(JSON.parse(JSON.stringify(again))).toEqual(JSON.parse(JSON.stringify(result)));
        expect(executions() - before).toBe(1);
      } finally {
        await proxy.close();
      }
    }
  });

  it("resumes an event stream cut mid-execution with Last-Event-ID: every event once", async () => {
    const headers = identity();
    // Cut the first stream right after its first event.
    const proxy = await startCuttingProxy(relay.url, {
      cutConnections: 1,
      bytesBeforeCut: (relayed) => {
        const firstEvent = /\ndata: .*\n\n/.exec(relayed);
        return firstEvent ? firstEvent.index + firstEvent[0].length : undefined;
      },
    });
    try {
      const watcher = createClient({ baseUrl: proxy.url, headers });
      let opened!: () => void;
      const open = new Promise<void>((resolve) => {
        opened = resolve;
      });
      const stream = watcher.events({ reconnect: { initialDelay: 20 }, onOpen: () => opened() });
      const received: ExecutionEvent[] = [];
      const watching = (async () => {
        for await (const event of stream) {
          received.push(event);
          if (event.type === "execution_complete") break;
        }
      })();
      await open;
      const result = await createClient({ baseUrl: relay.url, headers }).execute({
        cid: CALCULATOR,
        inputs: [7, 7],
      });
      await watching;
      expect(proxy.cuts).toBe(1);
      expect(proxy.connections).toBe(2);
      expect(received.every((event) => event.request_id === result.request_id)).toBe(true);
      expect(received[0]!.type).toBe("execution_queued");
      expect(received.at(-1)!.type).toBe("execution_complete");
      expect(new Set(received.map((event) => event.type)).size).toBe(received.length);
      expect(received.map((event) => event.type)).toContain("execution_started");
    } finally {
      await proxy.close();
    }
  });

  it("returns a module's failure as a value", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    // Enough gas that the time limit, not the gas budget, stops the endless loop.
    const spun = await client.execute({
      cid: "glyph://spin@quantum",
      policy: { max_time: 100, max_gas: 1_000_000_000 },
    });
    expect(spun.success).toBe(false);
    if (!spun.success) expect(spun.error.code).toBe("timeout");
    const trapped = await client.execute({
      cid: "glyph://trap@quantum",
      entry: "divide",
      inputs: [1, 0],
    });
    expect(trapped.success).toBe(false);
    if (!trapped.success) expect(trapped.error.code).toBe("trap");
  });

  it("maps the server's refusals to typed errors", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const invalid = await client.execute({ cid: "not-a-cid", inputs: [] }).catch((error) => error);
    expect(ValidationError.isInstance(invalid)).toBe(true);
    expect((invalid as ValidationError).details.map((detail) => detail.path)).toContain("cid");

    const missing = await client
      .execute({ cid: "glyph://nothing-here@latest" })
      .catch((error) => error);
    expect(NotFoundError.isInstance(missing)).toBe(true);

    const anonymous = createClient({ baseUrl: relay.url });
    const unauthenticated = await anonymous.execute({ cid: CALCULATOR }).catch((error) => error);
    expect(AuthenticationError.isInstance(unauthenticated)).toBe(true);
    expect((unauthenticated as AuthenticationError).status).toBe(401);
  });

  it("uploads a module, publishes a glyph and lists it", async () => {
    const headers = identity();
    const client = createClient({ baseUrl: relay.url, headers });
    const modulesDirectory = dirname(
      createRequire(import.meta.url).resolve("@wasm-relay/modules/package.json"),
    );
    const bytes = new Uint8Array(await readFile(join(modulesDirectory, "dist/calculator.wasm")));
    const uploaded = await client.modules.upload(bytes);
    expect(uploaded.cid).toMatch(/^bafk/);
    expect(uploaded.size).toBe(bytes.byteLength);
    expect(await client.modules.get(uploaded.cid)).toEqual(bytes);

    const name = `client-e2e-${process.pid}-${Date.now()}`;
    const published = await client.glyphs.publish({ name, tag: "latest", cid: uploaded.cid });
    expect(published.reference).toBe(`glyph://${name}@latest`);
    expect((await client.glyphs.list(name)).tags).toEqual({ latest: uploaded.cid });
    const result = await client.execute({ cid: published.reference, inputs: [2, 2] });
    expect(result.success && result.output).toBe(4);

    const stranger = createClient({ baseUrl: relay.url, headers: identity() });
    const refused = await stranger.glyphs
      .publish({ name, tag: "latest", cid: uploaded.cid })
      .catch((error) => error);
    expect(PermissionDeniedError.isInstance(refused)).toBe(true);
    const unknown = await client.glyphs.list(`${name}-unknown`).catch((error) => error);
    expect(NotFoundError.isInstance(unknown)).toBe(true);
  });
});

describe("against the real server's rate limit", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  beforeAll(async () => {
    relay = await startRelayServer({ env: { RELAY_RATE_LIMIT: "2", RELAY_RATE_WINDOW: "60000" } });
  });
  afterAll(async () => {
    await relay?.close();
  });

  it("throws RateLimitError with retryAfter when the wait is longer than maxRetryAfter", async () => {
    const client = createClient({
      baseUrl: relay.url,
      headers: identity(),
      retry: { maxRetryAfter: 1000 },
    });
    await client.execute({ cid: CALCULATOR, inputs: [1, 1] });
    await client.execute({ cid: CALCULATOR, inputs: [1, 2] });
    const limited = await client
      .execute({ cid: CALCULATOR, inputs: [1, 3] })
      .catch((error) => error);
    expect(RateLimitError.isInstance(limited)).toBe(true);
    expect((limited as RateLimitError).retryAfter).toBeGreaterThan(1000);
    expect((limited as RateLimitError).retryAfter).toBeLessThanOrEqual(60_000);
  });
});
