import { describe, expect, it } from "vitest";
import type { RateLimitAlgorithm } from "../ports/rate-limit-store.js";
import { createMemoryIdempotencyStore } from "./memory-idempotency-store.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";

const MAX_KEYS = 8;
const WRITTEN_KEYS = 50;
const keys = Array.from({ length: WRITTEN_KEYS }, (_, index) => `key-${index}`);

/**
 * Asks about every key, newest first, and counts those still remembered. Asking about a
 * forgotten key writes it again, which only evicts keys already counted, so the count is the
 * number of keys held when the asking began.
 */
async function countRemembered(remembers: (key: string) => Promise<boolean>): Promise<number> {
  let remembered = 0;
  for (const key of [...keys].reverse()) if (await remembers(key)) remembered += 1;
  return remembered;
}

describe("bounds of the memory stores (conformance)", () => {
  it("the idempotency store never holds more than maxKeys keys", async () => {
    const store = createMemoryIdempotencyStore({ maxKeys: MAX_KEYS });
    for (const key of keys) await store.begin(key, "fingerprint", 60_000);
    const remembered = await countRemembered(
      async (key) => (await store.begin(key, "fingerprint", 60_000)).state === "in_progress",
    );
    expect(remembered).toBe(MAX_KEYS);
  });

  it.each<RateLimitAlgorithm>(["sliding-window", "fixed-window", "token-bucket"])(
    "the %s rate limit store never holds more than maxKeys keys",
    async (algorithm) => {
      const store = createMemoryRateLimitStore({ maxKeys: MAX_KEYS });
      const rule = { limit: 1, windowMs: 60_000, algorithm };
      for (const key of keys) await store.consume(key, rule, 1_000);
      const remembered = await countRemembered(
        async (key) => !(await store.consume(key, rule, 1_001)).allowed,
      );
      expect(remembered).toBe(MAX_KEYS);
    },
  );

  it("refuses a maxKeys that is not a positive integer", () => {
    for (const maxKeys of [0, -1, 1.5]) {
      expect(() => createMemoryIdempotencyStore({ maxKeys })).toThrow(TypeError);
      expect(() => createMemoryRateLimitStore({ maxKeys })).toThrow(TypeError);
    }
  });
});
