import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type {
  RateLimitAlgorithm,
  RateLimitDecision,
  RateLimitRule,
} from "../ports/rate-limit-store.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";

/**
 * Naive reference of the sliding window: every decision filters the whole log of accepted times
 * (O(n)), keeps the survivors in arrival order and counts them; the reset is when the earliest
 * recorded survivor leaves the window.
 */
function createReferenceSlidingWindow() {
  const logs = new Map<string, number[]>();
  return (key: string, rule: RateLimitRule, now: number): RateLimitDecision => {
    const log = (logs.get(key) ?? []).filter((at) => at > now - rule.windowMs);
    const allowed = log.length < rule.limit;
    if (allowed) log.push(now);
    logs.set(key, log);
    const resetMs = log.length === 0 ? 0 : Math.max(0, log[0]! + rule.windowMs - now);
    return { allowed, limit: rule.limit, remaining: Math.max(0, rule.limit - log.length), resetMs };
  };
}

describe("memory rate-limit store", () => {
  it("sliding window: the same decisions, remaining counts and reset times as a naive reference (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 500 }),
        // Clock steps back in how many of 60 requests: never, rarely, often.
        fc.constantFrom(0, 1, 10),
        fc.array(
          fc.record({
            key: fc.constantFrom("a", "b", "c"),
            // Mostly forward in small steps (often the same millisecond), rarely a long pause.
            gap: fc.oneof(
              { weight: 40, arbitrary: fc.integer({ min: 0, max: 40 }) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 1000 }) },
            ),
            back: fc.integer({ min: 1, max: 300 }),
            roll: fc.integer({ min: 0, max: 59 }),
          }),
          { minLength: 1, maxLength: 3000 },
        ),
        async (limit, windowMs, backsPerSixty, requests) => {
          const store = createMemoryRateLimitStore();
          const reference = createReferenceSlidingWindow();
          const rule = { limit, windowMs, algorithm: "sliding-window" as const };
          let now = 1_000_000;
          for (const { key, gap, back, roll } of requests) {
            now += roll < backsPerSixty ? gap - back : gap;
            expect(await store.consume(key, rule, now)).toEqual(reference(key, rule, now));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("sliding window: a clock that steps back between the oldest and newest time still expires it exactly", async () => {
    const store = createMemoryRateLimitStore();
    const reference = createReferenceSlidingWindow();
    const rule = { limit: 10, windowMs: 100, algorithm: "sliding-window" as const };
    // 30 arrives after 50: at 135 the window (35, 135] holds 50 and 125 but no longer 30.
    const decisions = [];
    for (const now of [0, 50, 30, 125, 135]) {
      const decision = await store.consume("k", rule, now);
      expect(decision).toEqual(reference("k", rule, now));
      decisions.push(decision.remaining);
    }
    expect(decisions).toEqual([9, 8, 7, 7, 7]);
  });

  it("sliding window: a log far past the compaction threshold keeps exact decisions", async () => {
    const store = createMemoryRateLimitStore();
    const reference = createReferenceSlidingWindow();
    const rule = { limit: 5000, windowMs: 3000, algorithm: "sliding-window" as const };
    // Two requests per ms for 10 s: thousands expire per window and the log is compacted often.
    for (let step = 0; step < 20_000; step += 1) {
      const now = Math.floor(step / 2);
      expect(await store.consume("k", rule, now)).toEqual(reference("k", rule, now));
    }
    // 20,000 checks against a reference that rescans its log: seconds on a loaded machine.
  }, 60_000);

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
