import type { IdempotencyRecord } from "@wasm-relay/core";
import { createInMemoryMetrics } from "@wasm-relay/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SharedStores } from "../../src/stores/create-stores.js";
import { createStores } from "../../src/stores/create-stores.js";
import { STORE_FALLBACK_METRIC } from "../../src/stores/store-fallback-metric.js";
import { StoreUnavailableError } from "../../src/stores/store-unavailable-error.js";
import { canStartRedisServer } from "./locate-redis.js";
import type { RedisServerProcess } from "./redis-server-process.js";
import { startRedisServer } from "./redis-server-process.js";
import { testKeyPrefix } from "./test-key-prefix.js";

const BOUND_MS = 100;
// A timer set for 100 ms fires later on a busy 2-core machine (other test files run alongside):
// this is that slack. Without the bound, calls would wait out the whole freeze (600 ms).
const SCHEDULING_SLACK_MS = 100;

const record: IdempotencyRecord = {
  fingerprint: "f",
  response: {
    success: true,
    request_id: "d".repeat(64),
    output: 2,
    gas_used: 3,
    duration: 4,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
};

interface Load {
  /** Resolves with what the load saw once `stop()` was called. */
  finished: Promise<{ calls: number; slowestMs: number; errors: unknown[] }>;
  stop(): void;
}

/** Six concurrent loops of the pipeline's store calls: consume, begin, complete or release. */
function runLoad(stores: SharedStores): Load {
  let running = true;
  let calls = 0;
  let slowestMs = 0;
  const errors: unknown[] = [];
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await call();
    } finally {
      slowestMs = Math.max(slowestMs, performance.now() - started);
      calls += 1;
    }
  };
  const loop = async (worker: number) => {
    let n = 0;
    while (running) {
      n += 1;
      try {
        const user = `user-${worker}-${n % 5}`;
        const rule = { limit: 1_000, windowMs: 60_000, algorithm: "sliding-window" as const };
        await timed(() => stores.rateLimit.consume(user, rule, Date.now()));
        const key = `${user}:${n}`;
        const begun = await timed(() => stores.idempotency.begin(key, "f", 5_000));
        if (begun.state === "acquired") {
          if (n % 2 === 0) {
            await timed(() => stores.idempotency.complete(key, begun.leaseToken, record, 5_000));
          } else {
            await timed(() => stores.idempotency.release(key, begun.leaseToken));
          }
        }
      } catch (error) {
        errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const loops = Promise.all([0, 1, 2, 3, 4, 5].map(loop));
  return {
    finished: loops.then(() => ({ calls, slowestMs, errors })),
    stop: () => {
      running = false;
    },
  };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Waits until the stores are back on Redis: not degraded, and a new decision lands in Redis. */
async function millisecondsUntilBackOnRedis(
  stores: SharedStores,
  observer: Redis,
  keyPrefix: string,
): Promise<number> {
  const started = performance.now();
  for (let attempt = 0; performance.now() - started < 10_000; attempt += 1) {
    if (stores.degradedReasons().length === 0) {
      const user = `probe-${attempt}`;
      const rule = { limit: 5, windowMs: 60_000, algorithm: "sliding-window" as const };
      await stores.rateLimit.consume(user, rule, Date.now());
      const landed = await observer
        .exists(`${keyPrefix}rate:sliding-window:${user}`)
        .catch(() => 0);
      if (landed === 1) return performance.now() - started;
    }
    await sleep(25);
  }
  return Number.POSITIVE_INFINITY;
}

describe.skipIf(!canStartRedisServer())("Redis outage (own redis-server on a free port)", () => {
  let server: RedisServerProcess;
  let observer: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    observer = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    observer.on("error", () => {});
  });
  afterAll(async () => {
    observer?.disconnect();
    await server?.stop();
  });

  it("Redis stopped mid-load: no call waits past the bound, none fails, degraded with a reason, fallback counted; restarted: back on Redis within 5 s", async () => {
    const keyPrefix = testKeyPrefix("outage-stop");
    const metrics = createInMemoryMetrics();
    const stores = await createStores({
      redisUrl: server.url,
      keyPrefix,
      metrics,
      operationTimeoutMs: BOUND_MS,
    });
    expect(stores.degradedReasons()).toEqual([]);

    // A lease taken on Redis before the outage, to be completed during it.
    const early = await stores.idempotency.begin("early", "f", 5_000);
    if (early.state !== "acquired") throw new Error("expected the lease");

    const load = runLoad(stores);
    await sleep(300);
    expect(metrics.count(STORE_FALLBACK_METRIC)).toBe(0);
    await server.stop();
    await sleep(700);
    // The reason names the cause, not a symptom such as a refused command.
    expect(stores.degradedReasons()).toEqual([
      expect.stringMatching(/^redis unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
    ]);
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "rate_limit" })).toBeGreaterThan(0);
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "idempotency" })).toBeGreaterThan(0);
    // Redis is gone: the record cannot be stored, which is reported, not thrown.
    expect(await stores.idempotency.complete("early", early.leaseToken, record, 5_000)).toBe(false);
    // A lease taken during the outage lives in memory, and is completed there even after Redis
    // is back.
    const during = await stores.idempotency.begin("during", "f", 5_000);
    if (during.state !== "acquired") throw new Error("expected the lease");

    await server.restart();
    const recoveryMs = await millisecondsUntilBackOnRedis(stores, observer, keyPrefix);
    expect(await stores.idempotency.complete("during", during.leaseToken, record, 5_000)).toBe(
      true,
    );
    load.stop();
    const seen = await load.finished;
    await stores.close();

    expect(recoveryMs).toBeLessThan(5_000);
    expect(seen.errors).toEqual([]);
    expect(seen.calls).toBeGreaterThan(100);
    expect(seen.slowestMs).toBeLessThan(BOUND_MS + SCHEDULING_SLACK_MS);
  });

  it("Redis frozen (SIGSTOP, connections open, no answers): slow, not down: calls are refused (StoreUnavailableError) within the bound, never decided from memory; thawed: answered by Redis again", async () => {
    const keyPrefix = testKeyPrefix("outage-freeze");
    const metrics = createInMemoryMetrics();
    const stores = await createStores({
      redisUrl: server.url,
      keyPrefix,
      metrics,
      operationTimeoutMs: BOUND_MS,
    });
    expect(stores.degradedReasons()).toEqual([]);
    const load = runLoad(stores);
    await sleep(200);
    server.pause();
    await sleep(600);
    // Connected: the stores do not switch to memory (another instance may still reach Redis).
    expect(stores.degradedReasons()).toEqual([]);
    server.resume();
    const recoveryMs = await millisecondsUntilBackOnRedis(stores, observer, keyPrefix);
    load.stop();
    const seen = await load.finished;
    await stores.close();

    expect(recoveryMs).toBeLessThan(5_000);
    expect(metrics.count(STORE_FALLBACK_METRIC)).toBe(0);
    expect(seen.errors.length).toBeGreaterThan(0);
    expect(seen.errors.filter((error) => !(error instanceof StoreUnavailableError))).toEqual([]);
    expect(seen.slowestMs).toBeLessThan(BOUND_MS + SCHEDULING_SLACK_MS);
  });
});
