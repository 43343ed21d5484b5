/** How a backoff grows. */
export interface BackoffOptions {
  /** Delay after the first failure. @unit milliseconds */
  initialDelay: number;
  /** Upper bound of the delay, before jitter. @unit milliseconds */
  maxDelay: number;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * The delay before the next try after `attempt` consecutive failures (1 is the first): it
 * doubles from `initialDelay` up to `maxDelay`, minus up to 25 % jitter so that clients that
 * failed together do not come back together. Used for request retries (as ky's `delay`) and for
 * the event stream's reconnections.
 * @unit milliseconds
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponential = Math.min(
    options.maxDelay,
    options.initialDelay * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(exponential * (1 - 0.25 * (options.random ?? Math.random)()));
}
