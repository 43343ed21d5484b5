import { problemDocument } from "@wasm-relay/core";
import { HttpProblem } from "../http/http-problem.js";

/** Which shared store could not decide. */
export type SharedStoreName = "rate_limit" | "idempotency";

/**
 * A store call that could not be decided exactly: Redis is connected but did not answer within
 * the bound (`RELAY_REDIS_TIMEOUT`), or answered with an error. The request is refused rather
 * than decided from memory, which would break exact limits and exactly-once across instances.
 * It is an {@link HttpProblem}: the server answers `503 store-unavailable` with `Retry-After`
 * (and `retry_after` in the body), having run nothing.
 */
export class StoreUnavailableError extends HttpProblem {
  /** When a retry is worth trying. @unit milliseconds */
  readonly retryAfterMs: number;
  /**
   * @param store which store could not decide.
   * @param cause what happened (a timeout, an error reply).
   * @param retryAfterMs when a retry is worth trying; rounded up to whole seconds in
   *   `Retry-After`. @unit milliseconds @default 1000
   */
  constructor(
    readonly store: SharedStoreName,
    cause: unknown,
    retryAfterMs = 1_000,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      problemDocument(503, "store-unavailable", "Shared store unavailable", {
        detail: `the ${store === "rate_limit" ? "rate-limit" : "idempotency"} store (Redis) could not decide: ${reason}; nothing was run, retry later`,
        retry_after: seconds,
      }),
      { "Retry-After": String(seconds) },
    );
    this.cause = cause;
    this.retryAfterMs = retryAfterMs;
  }
}
