import type { RedisAvailability } from "./redis-availability.js";
import { type SharedStoreName, StoreUnavailableError } from "./store-unavailable-error.js";
import { StoreTimeoutError, withTimeBound } from "./time-bound.js";

/**
 * Runs one call on the primary (Redis) store within `timeoutMs` and tells `availability` how it
 * went. What the caller gets:
 * - the answer, when Redis answered in time;
 * - {@link StoreUnavailableError} when Redis is connected but did not answer in time, or failed
 *   while connected (an error reply): the caller must not decide from its fallback (another
 *   instance may be deciding on Redis at the same moment) and refuses the request instead.
 *   `abandoned`, when given, receives the call's own promise after a timeout, to undo a late
 *   effect (e.g. release a lease taken after the caller gave up);
 * - the call's own error when it failed for want of a connection (connection lost, refused,
 *   not writable: anything but an error reply or a timeout): Redis is then marked unavailable,
 *   and the caller answers from its fallback;
 * - a RangeError (malformed input, not an outage) as is, without touching `availability`.
 * @param store which store calls, for the error. @param timeoutMs the bound. @unit milliseconds
 * @throws StoreUnavailableError, RangeError, or the call's error while Redis is down (see above).
 */
export async function callPrimary<T>(
  availability: RedisAvailability,
  store: SharedStoreName,
  operation: () => Promise<T>,
  timeoutMs: number,
  abandoned?: (late: Promise<T>) => void,
): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = operation();
  } catch (error) {
    pending = Promise.reject(error);
  }
  try {
    const result = await withTimeBound(pending, timeoutMs);
    availability.recordSuccess();
    return result;
  } catch (error) {
    if (error instanceof RangeError) throw error;
    if (error instanceof StoreTimeoutError) {
      availability.recordTimeout(error);
      pending.catch(() => undefined);
      abandoned?.(pending);
      throw new StoreUnavailableError(store, error);
    }
    if (isAnswerOfConnectedRedis(error) && availability.connected) {
      throw new StoreUnavailableError(store, error);
    }
    availability.markUnavailable(error);
    throw error;
  }
}

/**
 * Whether `error` came from a Redis that is still connected: an error reply (ioredis'
 * `ReplyError`) or the client's own command timeout. Any other error means the connection
 * failed (closed, refused, not writable).
 */
function isAnswerOfConnectedRedis(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === "ReplyError" || error.message === "Command timed out";
}
