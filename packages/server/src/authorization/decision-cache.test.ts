import { describe, expect, it } from "vitest";
import { createDecisionCache } from "./decision-cache.js";

describe("decision cache", () => {
  it("reuses a kept value until its TTL passes", async () => {
    let time = 1000;
    let loads = 0;
    const cache = createDecisionCache<number>({ ttlMs: 100, now: () => time });
    const load = async () => ({ value: ++loads, keep: true });
    expect(await cache.get("k", load)).toBe(1);
    time += 99;
    expect(await cache.get("k", load)).toBe(1);
    // lru-cache's convention: a value is fresh while its age is at most the TTL.
    time += 1;
    expect(await cache.get("k", load)).toBe(1);
    time += 1;
    expect(await cache.get("k", load)).toBe(2);
    expect(await cache.get("other", load)).toBe(3);
  });

  it("does not keep what load says not to keep, nor failures", async () => {
    let loads = 0;
    const cache = createDecisionCache<number>({ ttlMs: 10_000 });
    await cache.get("k", async () => ({ value: ++loads, keep: false }));
    await expect(cache.get("k", async () => Promise.reject(new Error("down")))).rejects.toThrow(
      "down",
    );
    expect(await cache.get("k", async () => ({ value: ++loads, keep: true }))).toBe(2);
  });

  it("shares one load among concurrent callers, even with caching off", async () => {
    let loads = 0;
    const cache = createDecisionCache<number>({ ttlMs: 0 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const load = async () => {
      loads += 1;
      await gate;
      return { value: loads, keep: true };
    };
    const answers = Promise.all([cache.get("k", load), cache.get("k", load), cache.get("k", load)]);
    release();
    expect(await answers).toEqual([1, 1, 1]);
    expect(await cache.get("k", load)).toBe(2);
  });

  it("stays within its capacity", async () => {
    let loads = 0;
    const cache = createDecisionCache<number>({ ttlMs: 10_000, capacity: 2 });
    const load = async () => ({ value: ++loads, keep: true });
    await cache.get("a", load);
    await cache.get("b", load);
    await cache.get("c", load);
    expect(await cache.get("a", load)).toBe(4);
    expect(await cache.get("c", load)).toBe(3);
  });

  it("never holds more than its capacity (conformance of bounds)", async () => {
    const capacity = 8;
    const cache = createDecisionCache<string>({ ttlMs: 60_000, capacity });
    const keys = Array.from({ length: 50 }, (_, index) => `key-${index}`);
    for (const key of keys) await cache.get(key, async () => ({ value: key, keep: true }));
    // Newest first: a key loaded again evicts only keys already counted.
    let held = 0;
    for (const key of keys.reverse()) {
      let loaded = false;
      await cache.get(key, async () => {
        loaded = true;
        return { value: key, keep: true };
      });
      if (!loaded) held += 1;
    }
    expect(held).toBe(capacity);
  });

  it("answers the callers of a load that was evicted while in flight", async () => {
    const cache = createDecisionCache<string>({ ttlMs: 60_000, capacity: 1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = cache.get("a", async () => {
      await gate;
      return { value: "A", keep: true };
    });
    const other = cache.get("b", async () => ({ value: "B", keep: true }));
    release();
    expect(await Promise.all([slow, other])).toEqual(["A", "B"]);
  });
});
