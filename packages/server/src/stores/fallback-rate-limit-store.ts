import type { Metrics, RateLimitStore } from "@wasm-relay/core";
import { callPrimary } from "./call-primary.js";
import type { RedisAvailability } from "./redis-availability.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";

/** Options of {@link createFallbackRateLimitStore}. */
export interface FallbackRateLimitStoreOptions {
  /** The shared store (Redis). */
  primary: RateLimitStore;
  /** The store used while the primary is unavailable (memory: limits then hold per instance). */
  fallback: RateLimitStore;
  /** Whether the primary is to be used; told about each failure. */
  availability: RedisAvailability;
  /** Longest a decision waits on the primary. @unit milliseconds */
  timeoutMs: number;
  /** Counts decisions made by the fallback ({@link STORE_FALLBACK_METRIC}, store `rate_limit`). */
  metrics: Metrics;
}

/**
 * A {@link RateLimitStore} that asks the primary (bounded by `timeoutMs`) while it is available
 * and answers from the fallback when it is not or when it fails. Never throws for an outage;
 * a malformed rule (RangeError) still throws.
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
            () => primary.consume(key, rule, nowMs),
            timeoutMs,
          );
        } catch (error) {
          if (error instanceof RangeError) throw error;
        }
      }
      metrics.increment(STORE_FALLBACK_METRIC, { store: "rate_limit" });
      return fallback.consume(key, rule, nowMs);
    },
  };
}
