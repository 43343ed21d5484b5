import type { Metrics, RateLimitStore } from "@wasm-relay/core";
import { callPrimary } from "./call-primary.js";
import type { RedisAvailability } from "./redis-availability.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";
import { StoreUnavailableError } from "./store-unavailable-error.js";

/** Options of {@link createFallbackRateLimitStore}. */
export interface FallbackRateLimitStoreOptions {
  /** The shared store (Redis). */
  primary: RateLimitStore;
  /** The store used while the primary is down (memory: limits then hold per instance). */
  fallback: RateLimitStore;
  /** Whether the primary is to be used (down or not); told about each failure. */
  availability: RedisAvailability;
  /** Longest a decision waits on a connected primary before it is refused. @unit milliseconds */
  timeoutMs: number;
  /** Counts decisions made by the fallback ({@link STORE_FALLBACK_METRIC}, store `rate_limit`). */
  metrics: Metrics;
}

/**
 * A {@link RateLimitStore} that asks the primary (bounded by `timeoutMs`) while it is available
 * and answers from the fallback while it is down (connection lost). A primary that is connected
 * but slow (or answers an error) is never replaced by the fallback, which would admit requests
 * the shared limit refuses: the decision is refused instead.
 * @throws StoreUnavailableError when the connected primary gave no answer within `timeoutMs`
 *   (or an error reply): the server answers 503 with `Retry-After`. RangeError for a malformed
 *   rule. Never throws for a primary that is down.
 */
export function createFallbackRateLimitStore(
  options: FallbackRateLimitStoreOptions,
): RateLimitStore {
  const { primary, fallback, availability, timeoutMs, metrics } = options;
  return {
    async consume(key, rule, nowMs) {
      if (availability.available) {
        try {
          return await callPrimary(
            availability,
            "rate_limit",
            () => primary.consume(key, rule, nowMs),
            timeoutMs,
          );
        } catch (error) {
          if (error instanceof RangeError || error instanceof StoreUnavailableError) throw error;
        }
      }
      metrics.increment(STORE_FALLBACK_METRIC, { store: "rate_limit" });
      return fallback.consume(key, rule, nowMs);
    },
  };
}
