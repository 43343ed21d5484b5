import type { RelayOutcome } from "../pipeline/relay-outcome.js";
import type { ExecuteResponse } from "../schemas/execute-response.js";
import type { Problem } from "../schemas/problem.js";
import { PROBLEM_CONTENT_TYPE, problemDocument } from "./problem-document.js";
import { rateLimitHeaders, retryAfterSeconds } from "./rate-limit-headers.js";

/** A framework-free HTTP answer: what any server writes for an outcome. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: ExecuteResponse | Problem;
}

/**
 * Maps a pipeline outcome to its HTTP answer: status, headers (`Retry-After`, `RateLimit*`,
 * `Idempotent-Replayed`) and a JSON body (the response, or a problem document).
 * @param windowMs the rate-limit window, for the `RateLimit-Policy` header.
 */
export function outcomeToHttp(outcome: RelayOutcome, windowMs: number): HttpAnswer {
  const headers: Record<string, string> = {};
  if ("rateLimit" in outcome && outcome.rateLimit) {
    Object.assign(headers, rateLimitHeaders(outcome.rateLimit, windowMs));
  }
  const json = (status: number, body: ExecuteResponse): HttpAnswer => ({
    status,
    headers: { ...headers, "Content-Type": "application/json" },
    body,
  });
  const problem = (body: Problem, extraHeaders: Record<string, string> = {}): HttpAnswer => ({
    status: body.status,
    headers: { ...headers, ...extraHeaders, "Content-Type": PROBLEM_CONTENT_TYPE },
    body,
  });

  switch (outcome.kind) {
    case "executed": {
      const answer = json(200, outcome.response);
      if (outcome.cache) answer.headers["Relay-Cache"] = outcome.cache;
      return answer;
    }
    case "replayed": {
      const answer = json(200, outcome.response);
      answer.headers["Idempotent-Replayed"] = "true";
      return answer;
    }
    case "rate_limited": {
      const seconds = retryAfterSeconds(outcome.rateLimit.resetMs);
      return problem(
        problemDocument(429, "rate-limited", "Rate limit exceeded", {
          detail: `at most ${outcome.rateLimit.limit} requests per ${Math.ceil(windowMs / 1000)} s; retry in ${seconds} s`,
          retry_after: seconds,
        }),
        { "Retry-After": String(seconds) },
      );
    }
    case "invalid":
      return problem(
        problemDocument(400, "invalid-request", "Invalid request", {
          detail: outcome.details.map((issue) => `${issue.path}: ${issue.message}`).join("; "),
          details: outcome.details,
        }),
      );
    case "idempotency_in_progress":
      return problem(
        problemDocument(409, "idempotency-in-progress", "Request in progress", {
          detail: "a request with this idempotency key is still running; retry later",
          request_id: outcome.requestId,
        }),
        { "Retry-After": "1" },
      );
    case "idempotency_mismatch":
      return problem(
        problemDocument(
          422,
          "idempotency-key-mismatch",
          "Idempotency key reused with a different request",
          {
            detail:
              "this idempotency key was first used with different content (module, inputs, entry or policy)",
            details: [
              {
                path: "idempotency_key",
                message: "already used for a request with different content",
              },
            ],
            request_id: outcome.requestId,
          },
        ),
      );
    case "forbidden":
      return problem(
        problemDocument(403, "permission-denied", "Permission denied", {
          detail: outcome.reason,
          reason: outcome.reason,
          request_id: outcome.requestId,
        }),
      );
    case "module_not_found":
      return problem(
        problemDocument(404, "module-not-found", "Module not found", {
          detail: `no module answers to ${outcome.reference}`,
          details: [{ path: "cid", message: `no module answers to ${outcome.reference}` }],
          request_id: outcome.requestId,
        }),
      );
    case "module_unverified":
      return problem(
        problemDocument(422, "module-unverified", "Module failed verification", {
          detail: outcome.message,
          details: [{ path: "cid", message: outcome.message }],
          request_id: outcome.requestId,
        }),
      );
    case "unavailable": {
      const seconds = retryAfterSeconds(outcome.retryAfterMs);
      if (outcome.perCaller) {
        return problem(
          problemDocument(429, "queue-quota-exceeded", "Too many queued executions", {
            detail: outcome.message,
            retry_after: seconds,
            ...(outcome.requestId ? { request_id: outcome.requestId } : {}),
          }),
          { "Retry-After": String(seconds) },
        );
      }
      return problem(
        problemDocument(503, "executor-unavailable", "Executor unavailable", {
          detail: outcome.message,
          retry_after: seconds,
          ...(outcome.requestId ? { request_id: outcome.requestId } : {}),
        }),
        { "Retry-After": String(seconds) },
      );
    }
    case "module_source_unavailable": {
      const seconds = retryAfterSeconds(outcome.retryAfterMs);
      return problem(
        problemDocument(503, "module-source-unavailable", "Module source unavailable", {
          detail: outcome.message,
          retry_after: seconds,
        }),
        { "Retry-After": String(seconds) },
      );
    }
  }
}
