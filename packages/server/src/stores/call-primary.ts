import type { RedisAvailability } from "./redis-availability.js";
import { StoreTimeoutError, withTimeBound } from "./time-bound.js";

/**
 * Runs one call on the primary (Redis) store within `timeoutMs` and tells `availability` how it
 * went: an answer ends a run of timeouts, a timeout counts towards unavailability, any other
 * failure makes Redis unavailable at once. A RangeError (malformed input, not an outage) is
 * passed on without touching `availability`.
 * @throws what the call threw, or StoreTimeoutError; the caller answers from its fallback.
 */
export async function callPrimary<T>(
  availability: RedisAvailability,
  operation: () => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  try {
    const result = await withTimeBound(operation(), timeoutMs);
    availability.recordSuccess();
    return result;
  } catch (error) {
    if (error instanceof StoreTimeoutError) availability.recordTimeout(error);
    else if (!(error instanceof RangeError)) availability.markUnavailable(error);
    throw error;
  }
}
