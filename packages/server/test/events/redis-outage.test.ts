import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { type RedisServerProcess, startRedisServer } from "../redis/redis-server-process.js";
import { calculator, execute, newUserId } from "./relay-requests.js";
import { collectSse, executionEvents } from "./sse-collector.js";

// A Redis of this test's own: it is killed and restarted, which the shared one must never be.
let redis: RedisServerProcess;
let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  redis = await startRedisServer();
  relay = await startRelayServer({
    env: { REDIS_URL: redis.url, RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "1000" },
  });
});
afterAll(async () => {
  await relay?.close();
  await redis?.stop();
});

const completes = (requestId: string) => (messages: Parameters<typeof executionEvents>[0]) =>
  executionEvents(messages).some(
    (event) => event.request_id === requestId && event.type === "execution_complete",
  );

describe("event stream while Redis goes away and comes back", () => {
  it("refuses new streams with 503 meanwhile; open streams carry on once Redis is back", async () => {
    const user = newUserId("outage");
    const url = `${relay.url}/intent/execute-wasm/events`;
    const open = await collectSse(url, { user_id: user });
    const before = await execute(relay.url, user, calculator(1, 2));
    await open.until(completes(before.body.request_id));

    await redis.kill();
    const refused = await fetch(url, { headers: { user_id: user } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    await refused.body?.cancel();

    await redis.restart();
    // The relay's connections reconnect by themselves and executions publish on the bus again
    // (the restarted Redis is empty, but the relay re-establishes the module directory's glyph
    // names on reconnecting: the calculator runs again).
    const known = new Set(executionEvents(open.messages).map((event) => event.request_id));
    const deadline = Date.now() + 15_000;
    for (let n = 0; Date.now() < deadline; n += 1) {
      await execute(relay.url, user, calculator(100 + n, 1));
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (executionEvents(open.messages).some((event) => !known.has(event.request_id))) break;
    }
    // The stream opened before the outage receives them, without reconnecting, in order.
    const fresh = executionEvents(open.messages).filter((event) => !known.has(event.request_id));
    expect(fresh.length).toBeGreaterThan(0);
    await open.until((messages) =>
      executionEvents(messages).some(
        (event) =>
          event.request_id === fresh[0]?.request_id &&
          (event.type === "execution_complete" || event.type === "execution_error"),
      ),
    );
    const types = executionEvents(open.messages)
      .filter((event) => event.request_id === fresh[0]?.request_id)
      .map((event) => event.type);
    // Names come back a moment after the connection: a run in between finds no module.
    expect([
      ["execution_queued", "execution_started", "execution_complete"],
      ["execution_queued", "execution_error"],
    ]).toContainEqual(types);
    expect(open.done).toBe(false);
    const reopened = await collectSse(url, { user_id: user });
    expect(reopened.response.status).toBe(200);
    reopened.abort();
    open.abort();
  });
});
