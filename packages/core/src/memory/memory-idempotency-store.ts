import { LRUCache } from "lru-cache";
import type { Clock } from "../ports/clock.js";
import { systemClock } from "../ports/clock.js";
import type { IdempotencyRecord, IdempotencyStore } from "../ports/idempotency-store.js";

type Entry =
  | { state: "in_progress"; fingerprint: string; leaseToken: string; expiresAt: number }
  | { state: "completed"; record: IdempotencyRecord; expiresAt: number };

/** Options of {@link createMemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /**
   * Most keys kept; the least recently used is forgotten first. Must be a positive integer.
   * @default 10000
   */
  maxKeys?: number;
  /** Time source for leases and TTLs. @default systemClock */
  clock?: Clock;
}

/**
 * In-process {@link IdempotencyStore}, bounded by key count (an lru-cache `max`), with lease and
 * record TTLs read from `clock`.
 * @throws TypeError when `maxKeys` is not a positive integer
 */
export function createMemoryIdempotencyStore(
  options: MemoryIdempotencyStoreOptions = {},
): IdempotencyStore {
  const entries = new LRUCache<string, Entry>({ max: options.maxKeys ?? 10_000 });
  const clock = options.clock ?? systemClock;
  let counter = 0;

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    async begin(key, fingerprint, leaseMs) {
      const entry = live(key);
      if (entry?.state === "completed") return { state: "completed", record: entry.record };
      if (entry?.state === "in_progress") {
        return { state: "in_progress", fingerprint: entry.fingerprint };
      }
      counter += 1;
      const leaseToken = `${clock.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2)}`;
      entries.set(key, {
        state: "in_progress",
        fingerprint,
        leaseToken,
        expiresAt: clock.now() + leaseMs,
      });
      return { state: "acquired", leaseToken };
    },
    async complete(key, leaseToken, record, ttlMs) {
      const entry = live(key);
      if (entry?.state !== "in_progress" || entry.leaseToken !== leaseToken) return false;
      entries.set(key, { state: "completed", record, expiresAt: clock.now() + ttlMs });
      return true;
    },
    async release(key, leaseToken) {
      const entry = live(key);
      if (entry?.state === "in_progress" && entry.leaseToken === leaseToken) entries.delete(key);
    },
  };
}
