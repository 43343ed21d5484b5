import { describe, expect, it } from "vitest";
import { ByteBudgetCache } from "./byte-budget-cache.js";

describe("ByteBudgetCache", () => {
  it("evicts the least recently used entries to stay within its byte budget", () => {
    const cache = new ByteBudgetCache<string>(100);
    cache.set("a", "A", 40);
    cache.set("b", "B", 40);
    expect(cache.get("a")).toBe("A"); // a is now the most recent
    cache.set("c", "C", 40);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
    expect(cache.bytes).toBe(80);
    expect(cache.size).toBe(2);
  });

  it("keeps nothing larger than the whole budget and replaces an existing key", () => {
    const cache = new ByteBudgetCache<string>(10);
    cache.set("huge", "H", 11);
    expect(cache.size).toBe(0);
    cache.set("k", "1", 4);
    cache.set("k", "2", 6);
    expect(cache.get("k")).toBe("2");
    expect(cache.bytes).toBe(6);
  });
});
