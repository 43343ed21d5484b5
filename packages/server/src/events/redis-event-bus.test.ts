import { BUS_TOPICS, type BusMessage } from "@wasm-relay/core";
import { eventBusConformance, waitUntil } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisEventBus, type RedisEventBus } from "./redis-event-bus.js";

const until = (condition: () => boolean, timeoutMs = 3_000) => waitUntil(condition, timeoutMs);

const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = testKeyPrefix("event-bus");
const clients: Redis[] = [];
const buses: RedisEventBus[] = [];

function newBus(options: { retention?: number; blockMs?: number } = {}): RedisEventBus {
  const redis = new Redis(REDIS_URL, { commandTimeout: 2_000 });
  clients.push(redis);
  const bus = createRedisEventBus({ redis, keyPrefix: prefix, ...options });
  buses.push(bus);
  return bus;
}

afterAll(async () => {
  for (const bus of buses) await bus.close();
  const cleaner = clients[0] ?? new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await cleaner.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await cleaner.del(...keys);
  } while (cursor !== "0");
  for (const client of clients) client.disconnect();
});

eventBusConformance({
  name: "redis streams",
  create: () => newBus(),
  createWithRetention: (retention) => newBus({ retention }),
});

describe("Redis event bus", () => {
  it("writes streams a plain Redis client can read: <prefix><topic>, field payload (JSON)", async () => {
    const bus = newBus();
    const payload = { request_id: "r1", user_id: "u", inputs: [1, 2] };
    const id = await bus.publish(BUS_TOPICS.requested, payload);
    const plain = clients[0] as Redis;
    expect(bus.streamKey(BUS_TOPICS.requested)).toBe(`${prefix}wasm_exec_requested`);
    const entries = await plain.xrange(`${prefix}wasm_exec_requested`, id, id);
    expect(entries).toEqual([[id, ["payload", JSON.stringify(payload)]]]);
  });

  it("keeps a stream within retention plus one trim batch", async () => {
    const bus = newBus({ retention: 30 });
    const topic = `bounded-${Date.now()}`;
    for (let i = 0; i < 200; i += 1) await bus.publish(topic, i);
    const length = await (clients[0] as Redis).xlen(bus.streamKey(topic));
    expect(length).toBeGreaterThanOrEqual(30);
    expect(length).toBeLessThan(33);
  });

  it("fans out one XREAD to many subscribers and releases them on unsubscribe", async () => {
    const isolated = `${prefix}fan:${Date.now()}:`;
    const redis = new Redis(REDIS_URL, { commandTimeout: 2_000 });
    clients.push(redis);
    const bus = createRedisEventBus({ redis, keyPrefix: isolated });
    buses.push(bus);
    const topic = "fan";
    const seen: BusMessage[][] = [];
    const subscriptions = [];
    for (let i = 0; i < 50; i += 1) {
      const mine: BusMessage[] = [];
      seen.push(mine);
      subscriptions.push(await bus.subscribe(topic, (message) => mine.push(message)));
    }
    expect(bus.subscriberCount()).toBe(50);
    // One reading connection for all fifty, besides the shared command connection.
    const list = (await redis.client("LIST")) as string;
    const readers = list
      .split("\n")
      .filter((line) => line.includes(` name=relay-event-reader:${isolated} `));
    expect(readers).toHaveLength(1);
    const id = await bus.publish(topic, "x");
    await until(() => seen.every((mine) => mine.length === 1));
    expect(new Set(seen.map((mine) => mine[0]?.id))).toEqual(new Set([id]));
    for (const subscription of subscriptions) subscription.unsubscribe();
    expect(bus.subscriberCount()).toBe(0);
  });

  it("sees entries another bus (another instance) publishes, in order", async () => {
    const a = newBus();
    const b = newBus();
    const topic = `cross-${Date.now()}`;
    const seen: unknown[] = [];
    const subscription = await a.subscribe(topic, (message) => seen.push(message.payload));
    for (let i = 0; i < 20; i += 1) await b.publish(topic, i);
    await until(() => seen.length === 20);
    expect(seen).toEqual([...Array(20).keys()]);
    subscription.unsubscribe();
  });

  it("picks up a new topic at once while its read loop is blocked on another", async () => {
    const bus = newBus({ blockMs: 10_000 });
    const first = await bus.subscribe(`blocked-a-${Date.now()}`, () => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const topic = `blocked-b-${Date.now()}`;
    const seen: unknown[] = [];
    const second = await bus.subscribe(topic, (message) => seen.push(message.payload));
    const started = Date.now();
    await bus.publish(topic, "now");
    await until(() => seen.length === 1, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    first.unsubscribe();
    second.unsubscribe();
  });

  it("treats an id newer than the stream as a gap and replays what it holds", async () => {
    const bus = newBus();
    const topic = `future-${Date.now()}`;
    const id = await bus.publish(topic, 1);
    const seen: string[] = [];
    const subscription = await bus.subscribe(topic, (message) => seen.push(message.id), {
      afterId: "99999999999999-0",
    });
    expect(subscription.gap).toBe(true);
    expect(seen).toEqual([id]);
    subscription.unsubscribe();
  });

  it("skips entries without a JSON payload and reports them", async () => {
    const errors: Error[] = [];
    const redis = new Redis(REDIS_URL);
    clients.push(redis);
    const bus = createRedisEventBus({ redis, keyPrefix: prefix, onError: (e) => errors.push(e) });
    buses.push(bus);
    const topic = `foreign-${Date.now()}`;
    const seen: unknown[] = [];
    const subscription = await bus.subscribe(topic, (message) => seen.push(message.payload));
    await redis.xadd(bus.streamKey(topic), "*", "other", "field");
    await bus.publish(topic, { ok: true });
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ ok: true }]);
    expect(errors.some((error) => /no payload field/.test(error.message))).toBe(true);
    subscription.unsubscribe();
  });

  it("waits for a connection still being opened instead of failing the first commands", async () => {
    // Like the relay's clients: no offline queue, so a command before "ready" would fail.
    const fresh = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(fresh);
    expect(fresh.status).not.toBe("ready");
    const bus = createRedisEventBus({ redis: fresh, keyPrefix: prefix });
    buses.push(bus);
    const topic = `early-${Date.now()}`;
    const seen: unknown[] = [];
    const subscription = await bus.subscribe(topic, (message) => seen.push(message.payload));
    const ids = await Promise.all([bus.publish(topic, 1), bus.publish(topic, 2)]);
    await until(() => seen.length === 2);
    expect(seen).toEqual([1, 2]);
    expect(ids).toHaveLength(2);
    subscription.unsubscribe();
  });

  it("refuses bad options and use after close", async () => {
    const redis = clients[0] as Redis;
    expect(() => createRedisEventBus({ redis, retention: 0 })).toThrow(RangeError);
    const bus = newBus();
    await bus.close();
    await expect(bus.publish("t", 1)).rejects.toThrow(/closed/);
    await expect(bus.subscribe("t", () => {})).rejects.toThrow(/closed/);
  });
});

describe("Redis event bus under connection loss", () => {
  it("reconnects its reading connection and delivers what was published meanwhile, once", async () => {
    const errors: Error[] = [];
    const redis = new Redis(REDIS_URL, { commandTimeout: 2_000 });
    clients.push(redis);
    const isolated = `${prefix}reconnect:${Date.now()}:`;
    const bus = createRedisEventBus({ redis, keyPrefix: isolated, onError: (e) => errors.push(e) });
    buses.push(bus);
    const topic = "t";
    const seen: unknown[] = [];
    const subscription = await bus.subscribe(topic, (message) => seen.push(message.payload));
    await bus.publish(topic, 0);
    await until(() => seen.length === 1);
    // Cut this bus's reading connection (only that one) the way a network failure would.
    const list = (await redis.client("LIST")) as string;
    const readerLine = list
      .split("\n")
      .find((line) => line.includes(` name=relay-event-reader:${isolated} `));
    const readerId = /^id=(\d+) /.exec(readerLine ?? "")?.[1];
    expect(readerId).toBeDefined();
    expect(await redis.client("KILL", "ID", readerId as string)).toBe(1);
    expect(bus.subscriberCount()).toBe(1);
    for (let i = 1; i <= 5; i += 1) await bus.publish(topic, i);
    await until(() => seen.length === 6, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    subscription.unsubscribe();
  });
});

describe("Redis event bus round trips", () => {
  it("sends the publishes of one tick as one script call, in order, each with its own id", async () => {
    const bus = newBus();
    const redis = clients.at(-1) as Redis;
    await bus.publish(BUS_TOPICS.requested, "warm-up");
    const calls: number[] = [];
    const evalsha = redis.evalsha.bind(redis);
    redis.evalsha = ((...args: Parameters<Redis["evalsha"]>) => {
      calls.push(Number(args[1]) / 2);
      return evalsha(...args);
    }) as Redis["evalsha"];
    const topic = `tick-${Date.now()}`;
    const ids = await Promise.all([
      bus.publish(BUS_TOPICS.requested, { n: 1 }),
      bus.publish(topic, { n: 2 }),
      bus.publish(topic, { n: 3 }),
    ]);
    const later = await bus.publish(topic, { n: 4 });
    redis.evalsha = evalsha as Redis["evalsha"];
    expect(calls).toEqual([3, 1]);
    const entries = await redis.xrange(bus.streamKey(topic), "-", "+");
    expect(entries.map(([id, fields]) => [id, fields[1]])).toEqual([
      [ids[1], '{"n":2}'],
      [ids[2], '{"n":3}'],
      [later, '{"n":4}'],
    ]);
    const requested = await redis.xrange(bus.streamKey(BUS_TOPICS.requested), ids[0]!, ids[0]!);
    expect(requested[0]?.[1]).toEqual(["payload", '{"n":1}']);
  });
});
