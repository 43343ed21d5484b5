import { describe, expect, it } from "vitest";
import type { RateLimitStore } from "../ports/rate-limit-store.js";
import { uniqueKey } from "./unique-key.js";

/** How a conformance suite gets a fresh adapter. */
export interface StoreFactory<T> {
  /** Name shown in the suite title. */
  name: string;
  /** Creates an adapter to test. */
  create: () => T | Promise<T>;
}

/**
 * The behaviour every {@link RateLimitStore} must show. Call it from a test file of the
 * adapter: `rateLimitStoreConformance({ name: "redis", create: () => … })`.
 */
export function rateLimitStoreConformance(factory: StoreFactory<RateLimitStore>): void {
  describe(`RateLimitStore conformance: ${factory.name}`, () => {
    const rule = { limit: 3, windowMs: 1000, algorithm: "sliding-window" as const };

    it("admits exactly `limit` requests in a window, then refuses with a reset time", async () => {
      const store = await factory.create();
      const key = uniqueKey("limit");
      const now = 1_000_000;
      const decisions = [];
      for (let i = 0; i < 5; i += 1) decisions.push(await store.consume(key, rule, now + i));
      expect(decisions.map((decision) => decision.allowed)).toEqual([
        true,
        true,
        true,
        false,
        false,
      ]);
      expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0, 0]);
      const refused = decisions[3]!;
      expect(refused.limit).toBe(3);
      expect(refused.resetMs).toBeGreaterThan(0);
      expect(refused.resetMs).toBeLessThanOrEqual(rule.windowMs);
    });

    it("an admitted request still says when the window frees a slot (never 0 while one is counted)", async () => {
      const store = await factory.create();
      const key = uniqueKey("admitted-reset");
      const first = await store.consume(key, rule, 30_000);
      const second = await store.consume(key, rule, 30_400);
      expect(first).toMatchObject({ allowed: true, remaining: 2, resetMs: 1000 });
      // The oldest counted request (at 30 000) leaves the window at 31 000.
      expect(second).toMatchObject({ allowed: true, remaining: 1, resetMs: 600 });
      const bucket = { limit: 4, windowMs: 1024, algorithm: "token-bucket" as const };
      const bucketKey = uniqueKey("admitted-bucket");
      // A full bucket less one token: the next token is back in 1024 / 4 = 256 ms.
      expect(await store.consume(bucketKey, bucket, 40_000)).toMatchObject({
        allowed: true,
        remaining: 3,
        resetMs: 256,
      });
    });

    it("keeps keys apart", async () => {
      const store = await factory.create();
      const first = uniqueKey("a");
      const second = uniqueKey("b");
      for (let i = 0; i < 3; i += 1) await store.consume(first, rule, 5_000);
      expect((await store.consume(first, rule, 5_001)).allowed).toBe(false);
      expect((await store.consume(second, rule, 5_001)).allowed).toBe(true);
    });

    it("admits again once the window has slid past the oldest request", async () => {
      const store = await factory.create();
      const key = uniqueKey("slide");
      for (let i = 0; i < 3; i += 1) await store.consume(key, rule, 10_000 + i * 100);
      expect((await store.consume(key, rule, 10_500)).allowed).toBe(false);
      expect((await store.consume(key, rule, 11_001)).allowed).toBe(true);
      expect((await store.consume(key, rule, 11_050)).allowed).toBe(false);
    });

    it("fixed window: admits `limit` per aligned window, resets at the window's end", async () => {
      const store = await factory.create();
      const key = uniqueKey("fixed");
      const fixed = { limit: 3, windowMs: 1000, algorithm: "fixed-window" as const };
      const start = 7_000_000;
      const decisions = [];
      for (const at of [100, 200, 300, 400]) {
        decisions.push(await store.consume(key, fixed, start + at));
      }
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
      expect(decisions[3]!.resetMs).toBe(600);
      expect((await store.consume(key, fixed, start + 999)).allowed).toBe(false);
      expect(await store.consume(key, fixed, start + 1000)).toMatchObject({
        allowed: true,
        remaining: 2,
        resetMs: 1000,
      });
    });

    it("token bucket: a full bucket admits a burst of `limit`, then refills `limit` per window", async () => {
      const store = await factory.create();
      const key = uniqueKey("bucket");
      const bucket = { limit: 4, windowMs: 1024, algorithm: "token-bucket" as const };
      const start = 9_000_000;
      const burst = [];
      for (let i = 0; i < 5; i += 1) burst.push(await store.consume(key, bucket, start));
      expect(burst.map((decision) => decision.allowed)).toEqual([true, true, true, true, false]);
      expect(burst.map((decision) => decision.remaining)).toEqual([3, 2, 1, 0, 0]);
      // One token every 256 ms (exact in binary): the refusal says when the next one is there.
      expect(burst[4]!.resetMs).toBe(256);
      expect((await store.consume(key, bucket, start + 255)).allowed).toBe(false);
      expect((await store.consume(key, bucket, start + 256)).allowed).toBe(true);
      expect((await store.consume(key, bucket, start + 256)).allowed).toBe(false);
    });

    it("never admits more than `limit` under concurrent calls", async () => {
      const store = await factory.create();
      const key = uniqueKey("concurrent");
      const decisions = await Promise.all(
        Array.from({ length: 20 }, () => store.consume(key, { ...rule, limit: 5 }, 20_000)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    });
  });
}
