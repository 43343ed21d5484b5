import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RateLimitAlgorithm } from "../ports/rate-limit-store.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";

describe("memory rate-limit store", () => {
  it("sliding window: never more than `limit` accepted in any window (property, controlled clock)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 80 }),
        async (limit, windowMs, gaps) => {
          const store = createMemoryRateLimitStore();
          const accepted: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const decision = await store.consume(
              "k",
              { limit, windowMs, algorithm: "sliding-window" },
              now,
            );
            if (decision.allowed) accepted.push(now);
            else {
              // Retry-After must never be early: at now + resetMs a request passes.
              const retryAt = now + decision.resetMs;
              expect(accepted.filter((at) => at > retryAt - windowMs).length).toBeLessThan(limit);
            }
          }
          for (const start of accepted) {
            expect(
              accepted.filter((at) => at >= start && at < start + windowMs).length,
            ).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });

  it.each<RateLimitAlgorithm>(["fixed-window", "token-bucket"])(
    "%s admits the limit then refuses",
    async (algorithm) => {
      const store = createMemoryRateLimitStore();
      const rule = { limit: 3, windowMs: 1000, algorithm };
      const allowed = [];
      for (let i = 0; i < 4; i += 1) allowed.push((await store.consume("k", rule, 1000)).allowed);
      expect(allowed).toEqual([true, true, true, false]);
      expect((await store.consume("k", rule, 2500)).allowed).toBe(true);
    },
  );

  it("is bounded: forgets the least recently seen keys past maxKeys", async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 2 });
    const rule = { limit: 1, windowMs: 60_000, algorithm: "sliding-window" as const };
    await store.consume("a", rule, 0);
    await store.consume("b", rule, 0);
    await store.consume("c", rule, 0);
    expect((await store.consume("a", rule, 1)).allowed).toBe(true);
    expect((await store.consume("c", rule, 1)).allowed).toBe(false);
  });
});
