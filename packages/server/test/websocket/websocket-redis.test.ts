import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, execute, newUserId, spin } from "../events/relay-requests.js";
import { deleteKeysWithPrefix } from "../redis/delete-keys-with-prefix.js";
import { locateRedis } from "../redis/locate-redis.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";
import { RawSocket } from "./raw-socket.js";

const located = await locateRedis();

describe.skipIf(!located)("WebSocket on two relays sharing Redis", () => {
  const prefix = testKeyPrefix("ws");
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  let first: Awaited<ReturnType<typeof startRelayServer>>;
  let second: Awaited<ReturnType<typeof startRelayServer>>;

  beforeAll(async () => {
    const env = {
      REDIS_URL: located?.url ?? "",
      REDIS_KEY_PREFIX: prefix,
      RELAY_WORKERS: "1",
      RELAY_RATE_LIMIT: "5",
    };
    [first, second] = await Promise.all([startRelayServer({ env }), startRelayServer({ env })]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await located?.release();
  });

  it("shares the rate limit and idempotency with HTTP on the other relay, and streams its events from the Redis bus", async () => {
    const user = newUserId("redis-ws");
    const request = { ...calculator(30, 12), idempotency_key: `k-${user}` };
    expect((await execute(second.url, user, request)).status).toBe(200);
    const socket = await RawSocket.connect(first.url, user);
    socket.send({ type: "execute", id: "replay", request });
    expect(await socket.terminal("replay")).toMatchObject({
      type: "result",
      replayed: true,
      response: { output: 42 },
    });
    socket.send({ type: "execute", id: "fresh", request: calculator(1, 2) });
    expect(await socket.terminal("fresh")).toMatchObject({ type: "result", replayed: false });
    expect(socket.events("fresh").map((event) => event.type)).toContain("execution_complete");
    for (let index = 0; index < 3; index += 1)
      await execute(second.url, user, calculator(index, 50));
    socket.send({ type: "execute", id: "sixth", request: calculator(9, 9) });
    expect(await socket.terminal("sixth")).toMatchObject({
      type: "error",
      problem: { status: 429 },
    });
    await socket.close();
  });

  it("a WS cancel stops the execution; an HTTP DELETE on the other relay stops a WS execution", async () => {
    const user = newUserId("redis-cancel");
    const socket = await RawSocket.connect(first.url, user);
    socket.send({ type: "execute", id: "a", request: spin(20_000) });
    await socket.next((message) => message.id === "a" && message.type === "event");
    socket.send({ type: "cancel", id: "a" });
    expect(await socket.terminal("a")).toMatchObject({
      response: { error: { code: "cancelled" } },
    });

    const key = `del-${user}`;
    socket.send({ type: "execute", id: "b", request: { ...spin(20_000), idempotency_key: key } });
    await socket.next((message) => message.id === "b" && message.type === "event");
    const deleted = await fetch(`${second.url}/intent/execute-wasm/${encodeURIComponent(key)}`, {
      method: "DELETE",
      headers: { user_id: user },
    });
    expect(deleted.status).toBe(202);
    expect(await socket.terminal("b")).toMatchObject({
      response: { error: { code: "cancelled" } },
    });
    await socket.close();
  }, 30_000);
});
