import type { RateLimitRule, RateLimitStore } from "@wasm-relay/core";
import { createMemoryRateLimitStore } from "@wasm-relay/core";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisRateLimitStore } from "./redis-rate-limit-store.js";

/** Most accepted times that fall in any one interval (t - windowMs, t] ending at an accepted t. */
function mostInAnyWindow(accepted: readonly number[], windowMs: number): number {
  let most = 0;
  for (const end of accepted) {
    most = Math.max(most, accepted.filter((at) => at > end - windowMs && at <= end).length);
  }
  return most;
}

const calls = fc.array(
  fc.record({ instance: fc.constantFrom(0, 1), advanceMs: fc.integer({ min: 0, max: 400 }) }),
  { minLength: 1, maxLength: 60 },
);

/**
 * Runs `calls` through the instances on one controlled clock and checks the contract both ways:
 * never more than `limit` accepted in any window, and a refusal only when `limit` were accepted
 * in the window ending now (the limiter is exact, not merely safe).
 */
async function checkExact(
  instances: readonly RateLimitStore[],
  rule: RateLimitRule,
  sequence: readonly { instance: number; advanceMs: number }[],
): Promise<void> {
  const accepted: number[] = [];
  let now = 1_700_000_000_000;
  for (const { instance, advanceMs } of sequence) {
    now += advanceMs;
    const decision = await instances[instance]!.consume("user", rule, now);
    const inWindow = accepted.filter((at) => at > now - rule.windowMs).length;
    expect(decision.allowed).toBe(inWindow < rule.limit);
    if (decision.allowed) accepted.push(now);
  }
  expect(mostInAnyWindow(accepted, rule.windowMs)).toBeLessThanOrEqual(rule.limit);
}

const ruleArbitrary = fc.record({
  limit: fc.integer({ min: 1, max: 6 }),
  windowMs: fc.integer({ min: 50, max: 2_000 }),
  algorithm: fc.constant("sliding-window" as const),
});

describe("sliding window, on a controlled clock", () => {
  it("memory store: never more than `limit` in any window, and refuses only when full", async () => {
    await fc.assert(
      fc.asyncProperty(ruleArbitrary, calls, async (rule, sequence) => {
        const store = createMemoryRateLimitStore();
        await checkExact([store, store], rule, sequence);
      }),
      { numRuns: 300 },
    );
  });

  it("the same property finds the flaw of a fixed window (twice the limit around a boundary)", async () => {
    const store = createMemoryRateLimitStore();
    const rule: RateLimitRule = { limit: 3, windowMs: 1_000, algorithm: "fixed-window" };
    const accepted: number[] = [];
    for (const at of [999, 999, 999, 1_000, 1_000, 1_000]) {
      if ((await store.consume("user", rule, 1_700_000_000_000 + at)).allowed) accepted.push(at);
    }
    expect(mostInAnyWindow(accepted, rule.windowMs)).toBe(6);
  });
});

const located = await locateRedis();

describe.skipIf(!located)("sliding window on Redis, two instances, a controlled clock", () => {
  const first = new Redis(located?.url ?? "", { lazyConnect: true });
  const second = new Redis(located?.url ?? "", { lazyConnect: true });
  afterAll(async () => {
    first.disconnect();
    second.disconnect();
    await located?.release();
  });

  it("never admits more than `limit` in any window across both, and refuses only when full", async () => {
    await fc.assert(
      fc.asyncProperty(ruleArbitrary, calls, async (rule, sequence) => {
        const keyPrefix = testKeyPrefix("exact");
        const instances = [
          createRedisRateLimitStore({ redis: first, keyPrefix, time: "caller" }),
          createRedisRateLimitStore({ redis: second, keyPrefix, time: "caller" }),
        ];
        await checkExact(instances, rule, sequence);
      }),
      { numRuns: 100 },
    );
  });
});
