import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisEventBus } from "../../src/events/redis-event-bus.js";
import { startRelayServer } from "../../src/relay-server.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";
import { calculator, execute, isWellOrdered, newUserId, spin } from "./relay-requests.js";
import { collectSse, executionEvents } from "./sse-collector.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = testKeyPrefix("event-stream");
const env = {
  REDIS_URL,
  REDIS_KEY_PREFIX: prefix,
  RELAY_WORKERS: "1",
  RELAY_RATE_LIMIT: "1000",
};

let instanceA: Awaited<ReturnType<typeof startRelayServer>>;
let instanceB: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  instanceA = await startRelayServer({ env: { ...env, RELAY_NODE_NAME: "a" } });
  instanceB = await startRelayServer({ env: { ...env, RELAY_NODE_NAME: "b" } });
});

afterAll(async () => {
  await instanceA?.close();
  await instanceB?.close();
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
});

const events = (url: string) => `${url}/intent/execute-wasm/events`;

describe("event stream on Redis Streams, two instances", () => {
  it("delivers on A every event of an execution served by B, in order; B's user only", async () => {
    const user = newUserId("cross");
    const intruder = newUserId("intruder");
    const onA = await collectSse(events(instanceA.url), { user_id: user });
    const intruderOnA = await collectSse(events(instanceA.url), { user_id: intruder });
    const answer = await execute(instanceB.url, user, spin(500));
    expect(answer.status).toBe(200);
    await onA.until((messages) =>
      executionEvents(messages).some((event) => event.type === "execution_complete"),
    );
    const received = executionEvents(onA.messages) as unknown as {
      type: string;
      request_id: string;
      executor_node?: string;
      progress?: number;
    }[];
    expect(received.every((event) => event.request_id === answer.body.request_id)).toBe(true);
    expect(received.find((event) => event.type === "execution_started")?.executor_node).toMatch(
      /^b\//,
    );
    const progress = received.flatMap((event) =>
      event.progress === undefined ? [] : [event.progress],
    );
    expect(
      isWellOrdered(
        received.map((event) => event.type),
        progress,
      ),
    ).toBe(true);
    // Every id is a stream id, increasing.
    const ids = onA.messages.map((message) => message.id as string);
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    const order = ids.map((id) => id.split("-").map(Number) as [number, number]);
    expect(
      order.every(
        ([ms, seq], at) =>
          at === 0 ||
          ms > (order[at - 1]?.[0] ?? 0) ||
          (ms === order[at - 1]?.[0] && seq > (order[at - 1]?.[1] ?? 0)),
      ),
    ).toBe(true);
    expect(executionEvents(intruderOnA.messages)).toEqual([]);
    onA.abort();
    intruderOnA.abort();
  });

  it("resumes on A with an id first seen on B: the rest once each", async () => {
    const user = newUserId("kill");
    const onB = await collectSse(events(instanceB.url), { user_id: user });
    const running = execute(instanceA.url, user, spin(700, 3));
    await onB.until((messages) =>
      executionEvents(messages).some((event) => event.type === "execution_progress"),
    );
    onB.abort();
    const lastId = onB.messages.at(-1)?.id as string;
    await running;
    const onA = await collectSse(events(instanceA.url), { user_id: user, "last-event-id": lastId });
    await onA.until((messages) =>
      executionEvents(messages).some((event) => event.type === "execution_complete"),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    onA.abort();
    const all = [...onB.messages, ...onA.messages];
    const ids = all.map((message) => message.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      isWellOrdered(
        executionEvents(all).map((event) => event.type),
        [],
      ),
    ).toBe(true);

    // The whole execution as a plain Redis client reads it equals what the two streams gave.
    const redis = new Redis(REDIS_URL);
    const entries = await redis.xrange(`${prefix}events:wasm_exec_events`, "-", "+");
    redis.disconnect();
    const mine = entries.filter(
      ([, fields]) => (JSON.parse(fields[1] as string) as { user_id: string }).user_id === user,
    );
    expect(ids).toEqual(mine.map(([id]) => id));
  });

  it("publishes wasm_exec_requested and wasm_exec_completed with the seed's fields", async () => {
    const user = newUserId("topics");
    const answer = await execute(instanceB.url, user, calculator(5, 3));
    const redis = new Redis(REDIS_URL);
    const read = async (topic: string) =>
      (await redis.xrange(`${prefix}events:${topic}`, "-", "+"))
        .map(([, fields]) => JSON.parse(fields[1] as string) as Record<string, unknown>)
        .filter((payload) => payload.request_id === answer.body.request_id);
    const requested = await read("wasm_exec_requested");
    const completed = await read("wasm_exec_completed");
    redis.disconnect();
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({
      request_id: answer.body.request_id,
      cid: "glyph://calculator@quantum",
      inputs: [5, 3],
      user_id: user,
    });
    expect(Object.keys(requested[0] ?? {})).toEqual(
      expect.arrayContaining(["policy", "session_id", "timestamp"]),
    );
    expect(completed[0]).toMatchObject({ success: true, output: 8, error: null, user_id: user });
  });

  it("releases the Redis bus subscription of every stream that disconnects", async () => {
    const redis = new Redis(REDIS_URL);
    const bus = createRedisEventBus({ redis, keyPrefix: `${prefix}events:` });
    const instance = await startRelayServer({ env, bus });
    try {
      const streams = [];
      for (let i = 0; i < 10; i += 1) {
        streams.push(await collectSse(events(instance.url), { user_id: newUserId("leak") }));
      }
      expect(bus.subscriberCount()).toBe(10);
      for (const stream of streams.slice(0, 5)) stream.abort();
      const deadline = Date.now() + 5_000;
      while (bus.subscriberCount() > 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(bus.subscriberCount()).toBe(5);
      // Shutdown ends the others and releases theirs too.
      await instance.close();
      await Promise.all(streams.map((stream) => stream.ended));
      expect(bus.subscriberCount()).toBe(0);
    } finally {
      await instance.close().catch(() => undefined);
      await bus.close();
      redis.disconnect();
    }
  });
});
