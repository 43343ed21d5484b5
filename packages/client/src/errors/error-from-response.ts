import type { Problem } from "@wasm-relay/core";
import { parseRetryAfter } from "../retry/retry-after.js";
import {
  AuthenticationError,
  ConflictError,
  ExecutionFinishedError,
  IdempotencyMismatchError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnprocessableEntityError,
  ValidationError,
} from "./http-errors.js";
import { RelayError, type RelayErrorInit } from "./relay-error.js";

/** Problem `type`s that select a more precise class than the status alone. */
const IDEMPOTENCY_MISMATCH_TYPE = /idempotency-key-mismatch$/;
const EXECUTION_FINISHED_TYPE = /execution-finished$/;

/**
 * Builds the error for a non-2xx answer from its status, headers and body (a problem document
 * when the server followed RFC 9457, anything else otherwise).
 * @param body the answer's body, parsed as JSON when it was JSON, else its text.
 * @param now current time, to read a `Retry-After` date. @unit milliseconds since the epoch
 */
export function errorFromResponse(
  status: number,
  headers: Headers,
  body: unknown,
  now: number = Date.now(),
): RelayError {
  const problem = isProblemLike(body) ? body : undefined;
  const retryAfter =
    parseRetryAfter(headers.get("retry-after"), now) ??
    (typeof problem?.retry_after === "number" ? problem.retry_after * 1000 : undefined);
  const init: RelayErrorInit = { status, headers, problem, retryAfter };
  const message = describe(status, problem, body);
  switch (status) {
    case 400:
      return new ValidationError(message, init);
    case 401:
      return new AuthenticationError(message, init);
    case 403:
      return new PermissionDeniedError(message, init);
    case 404:
      return new NotFoundError(message, init);
    case 409:
      return problem?.type !== undefined && EXECUTION_FINISHED_TYPE.test(problem.type)
        ? new ExecutionFinishedError(message, init)
        : new ConflictError(message, init);
    case 422:
      return problem?.type !== undefined && !IDEMPOTENCY_MISMATCH_TYPE.test(problem.type)
        ? new UnprocessableEntityError(message, init)
        : new IdempotencyMismatchError(message, init);
    case 429:
      return new RateLimitError(message, init);
    default:
      return status >= 500 ? new ServerError(message, init) : new RelayError(message, init);
  }
}

function isProblemLike(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

function describe(status: number, problem: Problem | undefined, body: unknown): string {
  const title =
    (typeof problem?.title === "string" && problem.title) ||
    (typeof problem?.error === "string" && problem.error) ||
    `HTTP ${status}`;
  const detail =
    typeof problem?.detail === "string"
      ? problem.detail
      : typeof body === "string" && body.trim() !== ""
        ? body.trim().slice(0, 200)
        : undefined;
  return detail ? `${status} ${title}: ${detail}` : `${status} ${title}`;
}
