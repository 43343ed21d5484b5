import { describe, expect, it } from "vitest";
import { resultCacheConformance } from "../testing/result-cache-conformance.js";
import { createMemoryResultCache } from "./memory-result-cache.js";

resultCacheConformance({ name: "memory", create: () => createMemoryResultCache() });

const record = (output: string) => ({
  completed: {
    response: {
      success: true as const,
      output,
      gas_used: 1,
      duration: 1,
      executed_at: "2026-01-01T00:00:00.000Z",
    },
    gasBudget: 10,
    memoryLimit: 65536,
    peakMemory: null,
  },
});

describe("memory result cache bounds", () => {
  it("keeps at most maxBytes of records, forgetting the least recently used", async () => {
    const cache = createMemoryResultCache({ maxBytes: 1000 });
    for (let index = 0; index < 10; index++)
      await cache.set(`k${index}`, record("x".repeat(200)), 10_000);
    const kept = await Promise.all(
      Array.from({ length: 10 }, (_, index) => cache.get(`k${index}`)),
    );
    const present = kept.filter((entry) => entry !== undefined).length;
    expect(present).toBeGreaterThan(0);
    expect(present).toBeLessThan(4);
    expect(kept[9]).toBeDefined();
  });

  it("does not keep a record larger than the whole budget", async () => {
    const cache = createMemoryResultCache({ maxBytes: 100 });
    await cache.set("big", record("x".repeat(200)), 10_000);
    expect(await cache.get("big")).toBeUndefined();
  });

  it("refuses a budget that is not a positive integer", () => {
    expect(() => createMemoryResultCache({ maxBytes: 0 })).toThrow(TypeError);
  });
});
