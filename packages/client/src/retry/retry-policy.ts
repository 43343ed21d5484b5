import { RelayError } from "../errors/relay-error.js";
import { ConnectionError } from "../errors/transport-errors.js";

/** Statuses worth another attempt: the request may pass later without change. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 502, 503, 504]);

/** How retries are spaced. Every field is optional. */
export interface RetryOptions {
  /** Delay before the first retry when the server gives no `Retry-After`. @unit milliseconds @default 500 */
  initialDelay?: number;
  /** Upper bound of the exponential backoff. @unit milliseconds @default 8000 */
  maxDelay?: number;
  /**
   * Longest `Retry-After` the client waits for. A longer one is not waited out: the error is
   * thrown at once (with its `retryAfter`). @unit milliseconds @default 60000
   */
  maxRetryAfter?: number;
  /** Called before each retry, after the delay is chosen (logging, metrics). */
  onRetry?: (retry: RetryNotice) => void;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/** What {@link RetryOptions.onRetry} receives. */
export interface RetryNotice {
  /** The attempt that failed (1 is the first). */
  attempt: number;
  /** The delay before the next attempt. @unit milliseconds */
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

/**
 * The delay before retrying after `attempt` failed with `error`, or `undefined` when it must
 * not be retried. A `Retry-After` is honoured exactly (up to `maxRetryAfter`); otherwise the
 * delay grows exponentially from `initialDelay` up to `maxDelay`, minus up to 25 % jitter.
 * @unit milliseconds
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  maxRetries: number,
  options: RetryOptions = {},
): number | undefined {
  if (attempt > maxRetries || !isRetryable(error)) return undefined;
  const retryAfter = RelayError.isInstance(error) ? error.retryAfter : undefined;
  if (retryAfter !== undefined) {
    return retryAfter <= (options.maxRetryAfter ?? 60_000) ? retryAfter : undefined;
  }
  const exponential = Math.min(
    options.maxDelay ?? 8000,
    (options.initialDelay ?? 500) * 2 ** (attempt - 1),
  );
  return Math.round(exponential * (1 - 0.25 * (options.random ?? Math.random)()));
}
