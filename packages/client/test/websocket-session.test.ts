import { connect, createServer, type Server, type Socket } from "node:net";
import type { ExecutionEvent } from "@wasm-relay/core";
import { startRelayServer } from "@wasm-relay/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  AuthenticationError,
  createClient,
  PermissionDeniedError,
  RateLimitError,
  ValidationError,
} from "../src/index.js";

const CALCULATOR = "glyph://calculator@quantum";
const spin = (maxTime: number) => ({
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: maxTime, max_gas: 1_000_000_000 },
});
let userCount = 0;
const identity = () => ({ user_id: `ws-client-${process.pid}-${++userCount}` });

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_RATE_LIMIT: "10", RELAY_WORKERS: "2" },
    authorizer: {
      async authorize(request) {
        return request.user_id.startsWith("mallory")
          ? { allowed: false, reason: "not mallory" }
          : { allowed: true };
      },
    },
  });
});
afterAll(async () => {
  await relay?.close();
});

describe("client.connect() against the real server", () => {
  it("executes over the session: the same result as HTTP, with its events; the same again is a replay", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const session = await client.connect();
    const events: ExecutionEvent[] = [];
    const result = await session.execute<number>(
      { cid: CALCULATOR, inputs: [5, 3], idempotency_key: `k-${userCount}` },
      { onEvent: (event) => events.push(event) },
    );
    expect(result).toMatchObject({ success: true, output: 8 });
    expect(result.meta).toMatchObject({ status: 200, replayed: false });
    expect(events.map((event) => event.type)).toContain("execution_queued");
    const http = await client.execute({
      cid: CALCULATOR,
      inputs: [5, 3],
      idempotency_key: `k-${userCount}`,
    });
    expect(http.meta.replayed).toBe(true);
    expect(http.request_id).toBe(result.request_id);
    session.close();
  });

  it("rejects with the typed errors of HTTP: 400, 403, 429", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const session = await client.connect();
    await expect(session.execute({ cid: "not a cid", inputs: [] })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const settled = [];
    for await (const settlement of session.executions(
      Array.from({ length: 11 }, (_, index) => ({ cid: CALCULATOR, inputs: [index, 1] })),
      { concurrency: 1 },
    )) {
      settled.push(settlement);
    }
    // One request of the window went to the bad request above.
    const limited = settled.filter((settlement) => settlement.error instanceof RateLimitError);
    expect(limited.length).toBe(2);
    expect(limited[0]?.error?.retryAfter).toBeGreaterThan(0);
    session.close();

    const mallory = await createClient({
      baseUrl: relay.url,
      headers: { user_id: "mallory-ws" },
    }).connect();
    await expect(mallory.execute({ cid: CALCULATOR, inputs: [1, 2] })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    mallory.close();
  });

  it("refuses a session without credentials (AuthenticationError)", async () => {
    await expect(createClient({ baseUrl: relay.url }).connect()).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it("cancels with the signal: the execution stops on the relay", async () => {
    const user = identity();
    const client = createClient({ baseUrl: relay.url, headers: user });
    const session = await client.connect();
    const watcher = session.events();
    const controller = new AbortController();
    const running = session.execute(spin(20_000), {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "execution_started") controller.abort();
      },
    });
    await expect(running).rejects.toBeInstanceOf(AbortError);
    for await (const event of watcher) {
      if (event.type === "execution_complete") {
        expect(event.error?.code).toBe("cancelled");
        break;
      }
    }
    session.close();
  });

  it("break out of executions() cancels the ones still running", async () => {
    const user = identity();
    const client = createClient({ baseUrl: relay.url, headers: user });
    const session = await client.connect();
    const events = session.events();
    const cancelled: string[] = [];
    const collecting = (async () => {
      for await (const event of events) {
        if (event.type === "execution_complete" && event.error?.code === "cancelled") {
          cancelled.push(event.request_id);
          if (cancelled.length === 1) break;
        }
      }
    })();
    for await (const settlement of session.executions([
      { cid: CALCULATOR, inputs: [1, 1] },
      spin(20_000),
    ])) {
      expect(settlement.index).toBe(0);
      break;
    }
    await collecting;
    expect(cancelled).toHaveLength(1);
    session.close();
  });

  it("reconnects after the connection drops: the execution in flight is answered, the subscription resumes", async () => {
    const proxy = await startProxy(new URL(relay.url));
    const client = createClient({ baseUrl: proxy.url, headers: identity() });
    const session = await client.connect({ reconnect: { initialDelay: 50 } });
    const seen: ExecutionEvent[] = [];
    const follow = (async () => {
      for await (const event of session.events()) {
        seen.push(event);
        if (event.type === "execution_complete") break;
      }
    })();
    // Cut every connection once the run started: its answer must come over the next one.
    const running = session.execute(
      {
        cid: "glyph://spin@quantum",
        inputs: [],
        policy: { max_time: 1_500, max_gas: 1_000_000_000 },
      },
      {
        onEvent: (event) => {
          if (event.type === "execution_started") proxy.cutAll();
        },
      },
    );
    const result = await running;
    // The loop ends by its time limit or its gas, whichever comes first on this machine.
    expect(result.success).toBe(false);
    expect(["timeout", "gas_exhausted"]).toContain(result.success ? "" : result.error.code);
    expect(result.meta.attempts).toBeGreaterThanOrEqual(2);
    await follow;
    expect(seen.at(-1)?.type).toBe("execution_complete");
    expect(proxy.connections()).toBeGreaterThanOrEqual(2);
    session.close();
    proxy.server.close();
  });
});

/** A TCP proxy to the relay whose connections can all be cut at once. */
async function startProxy(
  target: URL,
): Promise<{ url: string; server: Server; cutAll(): void; connections(): number }> {
  const open = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count += 1;
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    cutAll: () => {
      for (const socket of open) socket.destroy();
    },
    connections: () => count,
  };
}
