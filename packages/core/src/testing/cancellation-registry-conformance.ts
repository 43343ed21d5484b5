import { describe, expect, it } from "vitest";
import type { CancellationRegistry, TrackOptions } from "../ports/cancellation-registry.js";
import { uniqueKey } from "./unique-key.js";
import { waitUntil } from "./wait-until.js";

/** Creates the adapters {@link cancellationRegistryConformance} tests. */
export interface CancellationRegistryFactory {
  /** Name shown in the suite title. */
  name: string;
  /** Creates an adapter to test. */
  create: () => CancellationRegistry | Promise<CancellationRegistry>;
  /**
   * Two adapters that share their store as two relays would (two Redis clients on one Redis).
   * @default the same adapter twice (an in-process registry is shared by one process only)
   */
  createPair?: () => Promise<[CancellationRegistry, CancellationRegistry]>;
}

const ttl: TrackOptions = { runningTtlMs: 10_000, finishedTtlMs: 10_000 };

/** The behaviour every {@link CancellationRegistry} must show. */
export function cancellationRegistryConformance(factory: CancellationRegistryFactory): void {
  describe(`CancellationRegistry conformance: ${factory.name}`, () => {
    it("tells a tracked execution's listener once, and answers cancelling with its request id", async () => {
      const registry = await factory.create();
      const requestId = uniqueKey("running");
      let calls = 0;
      await registry.track({ requestId, userId: "ada" }, () => calls++, ttl);
      expect(await registry.cancel({ id: requestId, userId: "ada", anyUser: false })).toEqual({
        state: "cancelling",
        requestIds: [requestId],
      });
      await waitUntil(() => calls === 1);
      // A second cancel while it stops still answers cancelling, and calls no one again.
      expect((await registry.cancel({ id: requestId, userId: "ada", anyUser: false })).state).toBe(
        "cancelling",
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(calls).toBe(1);
    });

    it("finds the caller's own execution by the idempotency key it was sent under", async () => {
      const registry = await factory.create();
      const requestId = uniqueKey("by-key-id");
      const key = uniqueKey("by-key");
      let calls = 0;
      await registry.track({ requestId, userId: "ada", idempotencyKey: key }, () => calls++, ttl);
      expect(await registry.cancel({ id: key, userId: "bob", anyUser: true })).toEqual({
        state: "unknown",
      });
      expect(await registry.cancel({ id: key, userId: "ada", anyUser: false })).toEqual({
        state: "cancelling",
        requestIds: [requestId],
      });
      await waitUntil(() => calls === 1);
    });

    it("keeps other users' executions unknown, except to a caller with anyUser", async () => {
      const registry = await factory.create();
      const requestId = uniqueKey("other-user");
      let calls = 0;
      await registry.track({ requestId, userId: "ada" }, () => calls++, ttl);
      expect(await registry.cancel({ id: requestId, userId: "eve", anyUser: false })).toEqual({
        state: "unknown",
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(calls).toBe(0);
      expect((await registry.cancel({ id: requestId, userId: "root", anyUser: true })).state).toBe(
        "cancelling",
      );
      await waitUntil(() => calls === 1);
    });

    it("answers finished after finish, and calls no listener", async () => {
      const registry = await factory.create();
      const requestId = uniqueKey("finished");
      let calls = 0;
      const tracked = await registry.track({ requestId, userId: "ada" }, () => calls++, ttl);
      await tracked.finish();
      await tracked.finish();
      expect(await registry.cancel({ id: requestId, userId: "ada", anyUser: false })).toEqual({
        state: "finished",
        requestIds: [requestId],
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(calls).toBe(0);
    });

    it("answers unknown for an id nothing tracked, and forgets a finished entry after its TTL", async () => {
      const registry = await factory.create();
      expect(
        await registry.cancel({ id: uniqueKey("never"), userId: "ada", anyUser: true }),
      ).toEqual({ state: "unknown" });
      const requestId = uniqueKey("forgotten");
      const tracked = await registry.track({ requestId, userId: "ada" }, () => {}, {
        runningTtlMs: 10_000,
        finishedTtlMs: 60,
      });
      await tracked.finish();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await registry.cancel({ id: requestId, userId: "ada", anyUser: false })).toEqual({
        state: "unknown",
      });
    });

    it("cancels only the running one of two runs of a request id, and calls every running one", async () => {
      const registry = await factory.create();
      const requestId = uniqueKey("two-runs");
      let first = 0;
      let second = 0;
      const done = await registry.track({ requestId, userId: "ada" }, () => first++, ttl);
      await done.finish();
      await registry.track({ requestId, userId: "ada" }, () => second++, ttl);
      await registry.track({ requestId, userId: "bob" }, () => second++, ttl);
      expect(await registry.cancel({ id: requestId, userId: "root", anyUser: true })).toEqual({
        state: "cancelling",
        requestIds: [requestId],
      });
      await waitUntil(() => second === 2);
      expect(first).toBe(0);
    });

    it("reaches the execution tracked by a peer sharing the store", async () => {
      const [owner, peer] = factory.createPair
        ? await factory.createPair()
        : await Promise.all([factory.create(), factory.create()]).then(
            ([one]) => [one, one] as const,
          );
      const requestId = uniqueKey("peer");
      let calls = 0;
      const tracked = await owner.track({ requestId, userId: "ada" }, () => calls++, ttl);
      expect((await peer.cancel({ id: requestId, userId: "ada", anyUser: false })).state).toBe(
        "cancelling",
      );
      await waitUntil(() => calls === 1);
      await tracked.finish();
      expect((await peer.cancel({ id: requestId, userId: "ada", anyUser: false })).state).toBe(
        "finished",
      );
    });
  });
}
