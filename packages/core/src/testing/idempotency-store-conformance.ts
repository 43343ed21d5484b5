import { describe, expect, it } from "vitest";
import type { IdempotencyRecord, IdempotencyStore } from "../ports/idempotency-store.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";
import { uniqueKey } from "./unique-key.js";

const record = (fingerprint: string): IdempotencyRecord => ({
  fingerprint,
  response: {
    success: true,
    request_id: "a".repeat(64),
    output: 8,
    gas_used: 12,
    duration: 1.5,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
});

/** The behaviour every {@link IdempotencyStore} must show. */
export function idempotencyStoreConformance(factory: StoreFactory<IdempotencyStore>): void {
  describe(`IdempotencyStore conformance: ${factory.name}`, () => {
    it("gives the lease to one caller and reports in_progress to the others", async () => {
      const store = await factory.create();
      const key = uniqueKey("lease");
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.begin(key, "f1", 10_000)),
      );
      expect(results.filter((result) => result.state === "acquired")).toHaveLength(1);
      const others = results.filter((result) => result.state === "in_progress");
      expect(others).toHaveLength(9);
      expect(others[0]).toMatchObject({ fingerprint: "f1" });
    });

    it("replays a completed record, byte for byte in its JSON", async () => {
      const store = await factory.create();
      const key = uniqueKey("complete");
      const begun = await store.begin(key, "f1", 10_000);
      if (begun.state !== "acquired") throw new Error("expected the lease");
      expect(await store.complete(key, begun.leaseToken, record("f1"), 10_000)).toBe(true);
      const again = await store.begin(key, "f1", 10_000);
      expect(again).toEqual({ state: "completed", record: record("f1") });
    });

    it("frees the key on release so that a retry runs", async () => {
      const store = await factory.create();
      const key = uniqueKey("release");
      const begun = await store.begin(key, "f1", 10_000);
      if (begun.state !== "acquired") throw new Error("expected the lease");
      await store.release(key, begun.leaseToken);
      expect((await store.begin(key, "f1", 10_000)).state).toBe("acquired");
    });

    it("lets an expired lease go, and refuses the stale holder's record", async () => {
      const store = await factory.create();
      const key = uniqueKey("expire");
      const first = await store.begin(key, "f1", 50);
      if (first.state !== "acquired") throw new Error("expected the lease");
      await new Promise((resolve) => setTimeout(resolve, 120));
      const second = await store.begin(key, "f1", 10_000);
      expect(second.state).toBe("acquired");
      expect(await store.complete(key, first.leaseToken, record("stale"), 10_000)).toBe(false);
      await store.release(key, first.leaseToken);
      expect((await store.begin(key, "f1", 10_000)).state).toBe("in_progress");
    });

    it("expires records after their TTL", async () => {
      const store = await factory.create();
      const key = uniqueKey("ttl");
      const begun = await store.begin(key, "f1", 10_000);
      if (begun.state !== "acquired") throw new Error("expected the lease");
      await store.complete(key, begun.leaseToken, record("f1"), 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.begin(key, "f1", 10_000)).state).toBe("acquired");
    });
  });
}
