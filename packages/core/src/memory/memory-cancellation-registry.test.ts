import { describe, expect, it } from "vitest";
import { cancellationRegistryConformance } from "../testing/cancellation-registry-conformance.js";
import { createMemoryCancellationRegistry } from "./memory-cancellation-registry.js";

cancellationRegistryConformance({
  name: "memory",
  create: () => createMemoryCancellationRegistry(),
});

describe("memory cancellation registry bounds", () => {
  it("refuses a maxEntries that is not a positive integer", () => {
    expect(() => createMemoryCancellationRegistry({ maxEntries: 0 })).toThrow(TypeError);
  });

  it("forgets the oldest finished entries first at the bound, never a running one", async () => {
    const registry = createMemoryCancellationRegistry({ maxEntries: 3 });
    const ttl = { runningTtlMs: 60_000, finishedTtlMs: 60_000 };
    let cancelled = 0;
    await registry.track({ requestId: "running", userId: "ada" }, () => cancelled++, ttl);
    for (const requestId of ["old", "newer", "newest"]) {
      await (await registry.track({ requestId, userId: "ada" }, () => {}, ttl)).finish();
    }
    expect(await registry.cancel({ id: "old", userId: "ada", anyUser: false })).toEqual({
      state: "unknown",
    });
    expect((await registry.cancel({ id: "newest", userId: "ada", anyUser: false })).state).toBe(
      "finished",
    );
    expect((await registry.cancel({ id: "running", userId: "ada", anyUser: false })).state).toBe(
      "cancelling",
    );
    expect(cancelled).toBe(1);
  });
});
