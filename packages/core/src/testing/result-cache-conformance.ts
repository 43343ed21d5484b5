import { describe, expect, it } from "vitest";
import type { CachedRun, ResultCache, ResultCacheRecord } from "../ports/result-cache.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";
import { uniqueKey } from "./unique-key.js";

const run = (output: number): CachedRun => ({
  response: {
    success: true,
    output,
    gas_used: 1234,
    duration: 1.5,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
  gasBudget: 1_000_000,
  memoryLimit: 1_048_576,
  peakMemory: 65_536,
});

const exhausted: CachedRun = {
  response: {
    success: false,
    error: { code: "gas_exhausted", message: "the module used its whole gas budget (max_gas 10)" },
    gas_used: 10,
    duration: 0.25,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
  gasBudget: 10,
  memoryLimit: 1_048_576,
  peakMemory: null,
};

/** The behaviour every {@link ResultCache} must show. */
export function resultCacheConformance(factory: StoreFactory<ResultCache>): void {
  describe(`ResultCache conformance: ${factory.name}`, () => {
    it("answers nothing for a key never set", async () => {
      const cache = await factory.create();
      expect(await cache.get(uniqueKey("absent"))).toBeUndefined();
    });

    it("gives back what was set, equal in JSON, and the latest set wins", async () => {
      const cache = await factory.create();
      const key = uniqueKey("set");
      const record: ResultCacheRecord = { completed: run(8), exhausted };
      await cache.set(key, record, 10_000);
      expect(await cache.get(key)).toEqual(record);
      await cache.set(key, { completed: run(9) }, 10_000);
      expect(await cache.get(key)).toEqual({ completed: run(9) });
    });

    it("keeps records apart by key", async () => {
      const cache = await factory.create();
      const [one, two] = [uniqueKey("one"), uniqueKey("two")];
      await cache.set(one, { completed: run(1) }, 10_000);
      await cache.set(two, { completed: run(2) }, 10_000);
      expect((await cache.get(one))?.completed?.response).toMatchObject({ output: 1 });
      expect((await cache.get(two))?.completed?.response).toMatchObject({ output: 2 });
    });

    it("forgets a record after its TTL", async () => {
      const cache = await factory.create();
      const key = uniqueKey("ttl");
      await cache.set(key, { completed: run(3) }, 60);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await cache.get(key)).toBeUndefined();
    });

    it("gives a claim to exactly one of many concurrent claimers", async () => {
      const cache = await factory.create();
      const key = uniqueKey("claim");
      const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.claim(key, 10_000)));
      expect(tokens.filter((token) => token !== undefined)).toHaveLength(1);
    });

    it("frees a claim on release by its holder, not by a stale token", async () => {
      const cache = await factory.create();
      const key = uniqueKey("release");
      const token = await cache.claim(key, 10_000);
      expect(token).toBeDefined();
      await cache.release(key, "not-the-token");
      expect(await cache.claim(key, 10_000)).toBeUndefined();
      await cache.release(key, token as string);
      expect(await cache.claim(key, 10_000)).toBeDefined();
    });

    it("lets an expired claim go", async () => {
      const cache = await factory.create();
      const key = uniqueKey("expire");
      expect(await cache.claim(key, 50)).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await cache.claim(key, 10_000)).toBeDefined();
    });
  });
}
