import type { IdempotencyStore, Metrics } from "@wasm-relay/core";
import { callPrimary } from "./call-primary.js";
import type { RedisAvailability } from "./redis-availability.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";

/** Options of {@link createFallbackIdempotencyStore}. */
export interface FallbackIdempotencyStoreOptions {
  /** The shared store (Redis). */
  primary: IdempotencyStore;
  /** The store used while the primary is unavailable (memory: deduplicates per instance). */
  fallback: IdempotencyStore;
  /** Whether the primary is to be used; told about each failure. */
  availability: RedisAvailability;
  /** Longest a call waits on the primary. @unit milliseconds */
  timeoutMs: number;
  /** Counts calls answered by the fallback ({@link STORE_FALLBACK_METRIC}, store `idempotency`). */
  metrics: Metrics;
}

// A lease token says which store issued it, so that `complete` and `release` reach the store
// holding the lease even after a switch between the two.
const PRIMARY = "r.";
const FALLBACK = "m.";

/**
 * An {@link IdempotencyStore} that uses the primary (bounded by `timeoutMs`) while it is
 * available and the fallback otherwise. Never throws for an outage: `begin` answers from the
 * fallback; `complete` of a primary lease that cannot reach the primary returns `false` (the
 * lease then expires by itself); `release` of one does nothing (likewise).
 * Malformed durations (RangeError) still throw.
 */
export function createFallbackIdempotencyStore(
  options: FallbackIdempotencyStoreOptions,
): IdempotencyStore {
  const { primary, fallback, availability, timeoutMs, metrics } = options;
  const countFallback = () => metrics.increment(STORE_FALLBACK_METRIC, { store: "idempotency" });

  return {
    async begin(key, fingerprint, leaseMs) {
      if (availability.available) {
        try {
          const begun = await callPrimary(
            availability,
            () => primary.begin(key, fingerprint, leaseMs),
            timeoutMs,
          );
          return begun.state === "acquired"
            ? { state: "acquired", leaseToken: PRIMARY + begun.leaseToken }
            : begun;
        } catch (error) {
          if (error instanceof RangeError) throw error;
        }
      }
      countFallback();
      const begun = await fallback.begin(key, fingerprint, leaseMs);
      return begun.state === "acquired"
        ? { state: "acquired", leaseToken: FALLBACK + begun.leaseToken }
        : begun;
    },
    async complete(key, leaseToken, record, ttlMs) {
      if (leaseToken.startsWith(FALLBACK)) {
        countFallback();
        return fallback.complete(key, leaseToken.slice(FALLBACK.length), record, ttlMs);
      }
      if (!leaseToken.startsWith(PRIMARY)) return false;
      try {
        return await callPrimary(
          availability,
          () => primary.complete(key, leaseToken.slice(PRIMARY.length), record, ttlMs),
          timeoutMs,
        );
      } catch (error) {
        if (error instanceof RangeError) throw error;
        return false;
      }
    },
    async release(key, leaseToken) {
      if (leaseToken.startsWith(FALLBACK)) {
        countFallback();
        return fallback.release(key, leaseToken.slice(FALLBACK.length));
      }
      if (!leaseToken.startsWith(PRIMARY)) return;
      // A lease that cannot be released now expires by itself.
      await callPrimary(
        availability,
        () => primary.release(key, leaseToken.slice(PRIMARY.length)),
        timeoutMs,
      ).catch(() => undefined);
    },
  };
}
