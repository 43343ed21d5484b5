import { type HttpProblem, httpProblem } from "./http-problem.js";

/** `Retry-After` of a request the relay stopped for shutdown. @unit seconds */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 1;

/**
 * The answer to a request that was still unfinished when shutdown stopped waiting for it:
 * 503 with `Retry-After` and `Connection: close`. What it held (an idempotency lease) was
 * released first, so the same request retried on another instance runs.
 */
export function shuttingDownProblem(): HttpProblem {
  return httpProblem(
    503,
    "shutting-down",
    "The server is shutting down",
    {
      detail:
        "this instance stopped before the request finished; nothing was recorded, retry it (on another instance or after the restart)",
    },
    { "Retry-After": String(SHUTDOWN_RETRY_AFTER_SECONDS), Connection: "close" },
  );
}
