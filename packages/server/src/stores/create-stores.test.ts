import type { IdempotencyRecord } from "@wasm-relay/core";
import { createInMemoryMetrics } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/redis/free-port.js";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createStores } from "./create-stores.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";

const rule = { limit: 3, windowMs: 60_000, algorithm: "sliding-window" as const };

describe("createStores without a Redis URL", () => {
  it("gives the memory stores, never degraded, and no Redis client", async () => {
    const stores = await createStores();
    expect(stores.redis).toBeUndefined();
    expect(stores.degradedReasons()).toEqual([]);
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await stores.rateLimit.consume("u", rule, 1_000));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect((await stores.idempotency.begin("k", "f", 1_000)).state).toBe("acquired");
    await stores.close();
  });

  it("names what is wrong with a bad URL or time bound", async () => {
    await expect(createStores({ redisUrl: "http://localhost:6379" })).rejects.toThrow(
      /must start with redis:\/\/ or rediss:\/\//,
    );
    await expect(createStores({ redisUrl: "not a url" })).rejects.toThrow(/not a URL/);
    await expect(
      createStores({ redisUrl: "redis://127.0.0.1:1", operationTimeoutMs: 0 }),
    ).rejects.toThrow(/operationTimeoutMs must be a positive number/);
  });
});

describe("createStores with a Redis that is not there at start-up", () => {
  it("starts degraded on memory at once instead of failing, and answers within the bound", async () => {
    const port = await freePort();
    const metrics = createInMemoryMetrics();
    const started = performance.now();
    const stores = await createStores({
      redisUrl: `redis://127.0.0.1:${port}`,
      connectTimeoutMs: 300,
      metrics,
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(stores.degradedReasons()).toEqual([expect.stringMatching(/^redis unreachable: /)]);
    expect(stores.degradedReasons()[0]).toContain("ECONNREFUSED");
    const before = performance.now();
    const decision = await stores.rateLimit.consume("u", rule, Date.now());
    const begun = await stores.idempotency.begin("k", "f", 1_000);
    expect(performance.now() - before).toBeLessThan(100);
    expect(decision.allowed).toBe(true);
    expect(begun.state).toBe("acquired");
    if (begun.state === "acquired") {
      expect(await stores.idempotency.complete("k", begun.leaseToken, replay, 1_000)).toBe(true);
    }
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "rate_limit" })).toBe(1);
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "idempotency" })).toBe(2);
    await stores.close();
  });
});

const replay: IdempotencyRecord = {
  fingerprint: "f",
  response: {
    success: true,
    request_id: "c".repeat(64),
    output: 1,
    gas_used: 1,
    duration: 1,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
};

const located = await locateRedis();

describe.skipIf(!located)("createStores with a Redis", () => {
  afterAll(() => located?.release());

  it("shares limits and idempotency between two instances through Redis, under the key prefix", async () => {
    const keyPrefix = testKeyPrefix("create-stores");
    const metrics = createInMemoryMetrics();
    const first = await createStores({ redisUrl: located?.url, keyPrefix, metrics });
    const second = await createStores({ redisUrl: located?.url, keyPrefix, metrics });
    expect(first.degradedReasons()).toEqual([]);
    expect(first.redis).toBeDefined();

    const decisions = [];
    for (const stores of [first, second, first, second]) {
      decisions.push(await stores.rateLimit.consume("user", rule, Date.now()));
    }
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(await first.redis?.exists(`${keyPrefix}rate:sliding-window:user`)).toBe(1);

    const begun = await first.idempotency.begin("k", "f", 5_000);
    expect(await second.idempotency.begin("k", "f", 5_000)).toEqual({
      state: "in_progress",
      fingerprint: "f",
    });
    if (begun.state !== "acquired") throw new Error("expected the lease");
    expect(await first.idempotency.complete("k", begun.leaseToken, replay, 5_000)).toBe(true);
    expect(await second.idempotency.begin("k", "f", 5_000)).toEqual({
      state: "completed",
      record: replay,
    });
    // A token the fallback did not issue, or one from nowhere, completes nothing.
    expect(await second.idempotency.complete("k", "forged", replay, 5_000)).toBe(false);

    expect(metrics.count(STORE_FALLBACK_METRIC)).toBe(0);
    await first.close();
    await second.close();
    expect(first.redis?.status).toBe("end");
  });
});
