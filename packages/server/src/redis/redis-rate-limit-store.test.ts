import type { RateLimitAlgorithm, RateLimitRule } from "@wasm-relay/core";
import { createMemoryRateLimitStore } from "@wasm-relay/core";
import { rateLimitStoreConformance } from "@wasm-relay/core/testing";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisRateLimitStore } from "./redis-rate-limit-store.js";

const located = await locateRedis();

describe.skipIf(!located)("Redis rate-limit store", () => {
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  afterAll(async () => {
    redis.disconnect();
    await located?.release();
  });

  rateLimitStoreConformance({
    name: "redis (caller's clock)",
    create: () =>
      createRedisRateLimitStore({ redis, keyPrefix: testKeyPrefix("conformance"), time: "caller" }),
  });

  describe("on the Redis server's clock (the default)", () => {
    const rule: RateLimitRule = { limit: 3, windowMs: 300, algorithm: "sliding-window" };

    it("ignores the callers' clocks: instances skewed by hours agree", async () => {
      const keyPrefix = testKeyPrefix("skew");
      const ahead = createRedisRateLimitStore({ redis, keyPrefix });
      const behind = createRedisRateLimitStore({ redis, keyPrefix });
      const hour = 3_600_000;
      const decisions = [
        await ahead.consume("user", rule, Date.now() + hour),
        await behind.consume("user", rule, Date.now() - hour),
        await ahead.consume("user", rule, Date.now() + hour),
        await behind.consume("user", rule, Date.now() - hour),
      ];
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(decisions[3]!.resetMs).toBeGreaterThan(0);
      expect(decisions[3]!.resetMs).toBeLessThanOrEqual(rule.windowMs);
    });

    it("admits again once real time has slid past the oldest request, not before", async () => {
      const store = createRedisRateLimitStore({ redis, keyPrefix: testKeyPrefix("slide") });
      const started = Date.now();
      for (let i = 0; i < 3; i += 1) expect((await store.consume("u", rule, 0)).allowed).toBe(true);
      const refused = await store.consume("u", rule, 0);
      expect(refused.allowed).toBe(false);
      // Retry-After must never be earlier than the moment a request would pass.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, refused.resetMs - 40)));
      if (Date.now() - started < rule.windowMs - 40) {
        expect((await store.consume("u", rule, 0)).allowed).toBe(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect((await store.consume("u", rule, 0)).allowed).toBe(true);
    });

    it("keeps the key no longer than the window (plus a second)", async () => {
      const keyPrefix = testKeyPrefix("ttl");
      const store = createRedisRateLimitStore({ redis, keyPrefix });
      await store.consume("u", rule, 0);
      const ttl = await redis.pttl(`${keyPrefix}rate:sliding-window:u`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(rule.windowMs + 1_000);
    });
  });

  it("refuses a malformed rule with a RangeError naming the field", async () => {
    const store = createRedisRateLimitStore({ redis, keyPrefix: testKeyPrefix("bad") });
    await expect(
      store.consume("u", { limit: 2.5, windowMs: 1000, algorithm: "sliding-window" }, 0),
    ).rejects.toThrow(/limit must be a whole number/);
    await expect(
      store.consume("u", { limit: 2, windowMs: 0, algorithm: "fixed-window" }, 0),
    ).rejects.toThrow(/windowMs must be/);
    await expect(
      store.consume("u", { limit: 2, windowMs: 10, algorithm: "leaky" as RateLimitAlgorithm }, 0),
    ).rejects.toThrow(/algorithm must be one of/);
  });

  it("decides exactly as the memory store does, for every algorithm (same clock, same calls)", async () => {
    const call = fc.record({
      key: fc.constantFrom("a", "b"),
      advanceMs: fc.integer({ min: 0, max: 700 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<RateLimitAlgorithm>("sliding-window", "fixed-window", "token-bucket"),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 100, max: 2_000 }),
        fc.array(call, { minLength: 1, maxLength: 40 }),
        async (algorithm, limit, windowMs, calls) => {
          const rule = { limit, windowMs, algorithm };
          const memory = createMemoryRateLimitStore();
          const shared = createRedisRateLimitStore({
            redis,
            keyPrefix: testKeyPrefix("model"),
            time: "caller",
          });
          let now = 1_700_000_000_000;
          for (const { key, advanceMs } of calls) {
            now += advanceMs;
            const expected = await memory.consume(key, rule, now);
            expect(await shared.consume(key, rule, now)).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
