import type { IdempotencyStore, Metrics } from "@wasm-relay/core";
import { callPrimary } from "./call-primary.js";
import type { RedisAvailability } from "./redis-availability.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";
import { StoreUnavailableError } from "./store-unavailable-error.js";

/** Options of {@link createFallbackIdempotencyStore}. */
export interface FallbackIdempotencyStoreOptions {
  /** The shared store (Redis). */
  primary: IdempotencyStore;
  /** The store used while the primary is down (memory: deduplicates per instance). */
  fallback: IdempotencyStore;
  /** Whether the primary is to be used (down or not); told about each failure. */
  availability: RedisAvailability;
  /** Longest a call waits on a connected primary before it is refused. @unit milliseconds */
  timeoutMs: number;
  /** Counts calls answered by the fallback ({@link STORE_FALLBACK_METRIC}, store `idempotency`). */
  metrics: Metrics;
}

// A lease token says which store issued it, so that `complete` and `release` reach the store
// holding the lease even after a switch between the two.
const PRIMARY = "r.";
const FALLBACK = "m.";

/**
 * The Redis store's own token inside a lease token of the fallback store, or `undefined` when
 * the lease is held in a relay's memory (Redis was down when it was taken): what a queue worker
 * needs to record a result in Redis under a relay's lease.
 */
export function redisLeaseToken(leaseToken: string): string | undefined {
  return leaseToken.startsWith(PRIMARY) ? leaseToken.slice(PRIMARY.length) : undefined;
}

/**
 * An {@link IdempotencyStore} that uses the primary (bounded by `timeoutMs`) while it is
 * available and the fallback while it is down (connection lost). A primary that is connected
 * but slow is never replaced by the fallback for `begin`: a memory lease there would let another
 * instance take the Redis lease and run the module a second time. Instead `begin` is refused,
 * and a lease Redis grants after that is released as soon as its answer arrives.
 * `complete` of a primary lease that cannot reach the primary returns `false` (the lease then
 * expires by itself); `release` of one does nothing (likewise).
 * @throws StoreUnavailableError from `begin` when the connected primary gave no answer within
 *   `timeoutMs` (or an error reply): the server answers 503 with `Retry-After`. RangeError for
 *   malformed durations. Never throws for a primary that is down.
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
            "idempotency",
            () => primary.begin(key, fingerprint, leaseMs),
            timeoutMs,
            // A lease granted after the caller was refused would block the key until it expired.
            (late) => {
              late
                .then((result) =>
                  result.state === "acquired" ? primary.release(key, result.leaseToken) : undefined,
                )
                .catch(() => undefined);
            },
          );
          return begun.state === "acquired"
            ? { state: "acquired", leaseToken: PRIMARY + begun.leaseToken }
            : begun;
        } catch (error) {
          if (error instanceof RangeError || error instanceof StoreUnavailableError) throw error;
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
          "idempotency",
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
        "idempotency",
        () => primary.release(key, leaseToken.slice(PRIMARY.length)),
        timeoutMs,
      ).catch(() => undefined);
    },
  };
}
