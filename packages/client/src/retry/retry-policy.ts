import { RelayError } from "../errors/relay-error.js";
import { ConnectionError } from "../errors/transport-errors.js";

/** Default of {@link RetryOptions.maxRetryAfter}. @unit milliseconds */
export const DEFAULT_MAX_RETRY_AFTER = 10_000;

/** Statuses worth another attempt: the request may pass later without change. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 502, 503, 504]);

/** How retries are spaced. Every field is optional. */
export interface RetryOptions {
  /** Delay before the first retry when the server gives no `Retry-After`. @unit milliseconds @default 500 */
  initialDelay?: number;
  /** Upper bound of the exponential backoff. @unit milliseconds @default 8000 */
  maxDelay?: number;
  /**
   * Longest `Retry-After` the client waits out before retrying. A longer one is not waited out:
   * the error (`RateLimitError` for a 429) is thrown at once, with its `retryAfter`, so a caller
   * never sits silently through a long wait. @unit milliseconds @default 10000
   */
  maxRetryAfter?: number;
  /** Called before each retry, once its delay has passed (logging, metrics). */
  onRetry?: (retry: RetryNotice) => void;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/** What {@link RetryOptions.onRetry} receives. */
export interface RetryNotice {
  /** The attempt that failed (1 is the first). */
  attempt: number;
  /** The delay waited before the next attempt. @unit milliseconds */
  delay: number;
  /** Why the attempt failed. */
  error: RelayError;
}

/**
 * Whether an error may be cured by retrying the same request: connection failures and
 * 408, 409, 429, 502, 503, 504. Never 400, 401, 403, 404, 422, timeouts or aborts.
 */
export function isRetryable(error: unknown): boolean {
  if (ConnectionError.isInstance(error)) return true;
  return (
    RelayError.isInstance(error) &&
    error.status !== undefined &&
    RETRYABLE_STATUSES.has(error.status)
  );
}
