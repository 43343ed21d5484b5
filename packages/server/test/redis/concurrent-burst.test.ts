import type { RateLimitAlgorithm } from "@wasm-relay/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisIdempotencyStore } from "../../src/redis/redis-idempotency-store.js";
import { createRedisRateLimitStore } from "../../src/redis/redis-rate-limit-store.js";
import { locateRedis } from "./locate-redis.js";
import { testKeyPrefix } from "./test-key-prefix.js";

const located = await locateRedis();

// Two separate ioredis connections stand for two relay instances behind a load balancer.
describe.skipIf(!located)("a real concurrent burst from two clients against one Redis", () => {
  const first = new Redis(located?.url ?? "");
  const second = new Redis(located?.url ?? "");
  afterAll(async () => {
    first.disconnect();
    second.disconnect();
    await located?.release();
  });

  it.each<RateLimitAlgorithm>(["sliding-window", "token-bucket"])(
    "%s: 400 simultaneous requests for one user admit exactly the limit (50)",
    async (algorithm) => {
      const keyPrefix = testKeyPrefix("burst");
      const instances = [
        createRedisRateLimitStore({ redis: first, keyPrefix }),
        createRedisRateLimitStore({ redis: second, keyPrefix }),
      ];
      const rule = { limit: 50, windowMs: 60_000, algorithm };
      const decisions = await Promise.all(
        Array.from({ length: 400 }, (_, i) => instances[i % 2]!.consume("user", rule, Date.now())),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
      const refused = decisions.filter((decision) => !decision.allowed);
      expect(refused.every((decision) => decision.remaining === 0 && decision.resetMs > 0)).toBe(
        true,
      );
    },
  );

  it("sliding window under sustained load from both: no window ever holds more than the limit", async () => {
    const keyPrefix = testKeyPrefix("sustained");
    const instances = [
      createRedisRateLimitStore({ redis: first, keyPrefix }),
      createRedisRateLimitStore({ redis: second, keyPrefix }),
    ];
    const rule = { limit: 20, windowMs: 300, algorithm: "sliding-window" as const };
    // Redis decides on its own clock; we only know each accepted time lies in [sent, answered].
    const accepted: { sent: number; answered: number }[] = [];
    const until = performance.now() + 1_200;
    const worker = async (instance: number) => {
      while (performance.now() < until) {
        const sent = performance.now();
        const decision = await instances[instance]!.consume("user", rule, 0);
        if (decision.allowed) accepted.push({ sent, answered: performance.now() });
      }
    };
    await Promise.all([0, 1, 0, 1, 0, 1].map(worker));
    // 1.2 s of 300 ms windows: at most 5 windows' worth can ever be admitted, and load is high
    // enough that the limiter must have admitted more than one window's worth.
    expect(accepted.length).toBeGreaterThan(rule.limit);
    expect(accepted.length).toBeLessThanOrEqual(rule.limit * 5);
    for (const end of accepted) {
      // Requests that certainly fell inside the window ending at `end`'s acceptance.
      const certainlyInside = accepted.filter(
        (other) => other.sent > end.answered - rule.windowMs && other.answered <= end.sent,
      );
      expect(certainlyInside.length).toBeLessThan(rule.limit);
    }
  });

  it("idempotency: of 100 simultaneous begins from both clients, exactly one takes the lease", async () => {
    const keyPrefix = testKeyPrefix("burst-idempotency");
    const instances = [
      createRedisIdempotencyStore({ redis: first, keyPrefix }),
      createRedisIdempotencyStore({ redis: second, keyPrefix }),
    ];
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instances[i % 2]!.begin("7:user-ab:k", "f1", 10_000)),
    );
    expect(results.filter((result) => result.state === "acquired")).toHaveLength(1);
    expect(results.filter((result) => result.state === "in_progress")).toHaveLength(99);
  });
});
