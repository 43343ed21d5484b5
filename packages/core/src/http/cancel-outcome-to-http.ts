import type { CancelOutcome } from "../pipeline/cancel-outcome.js";
import type { CancellationAccepted } from "../schemas/cancellation.js";
import type { Problem } from "../schemas/problem.js";
import { PROBLEM_CONTENT_TYPE, problemDocument } from "./problem-document.js";

/** The HTTP answer of a cancellation. */
export interface CancelHttpAnswer {
  status: 202 | 400 | 404 | 409;
  headers: Record<string, string>;
  body: CancellationAccepted | Problem;
}

/**
 * Maps `relay.cancel`'s outcome to its HTTP answer: 202 with the request ids being cancelled;
 * 409 `execution-finished` for an execution that already finished (its result stands, and is
 * replayed to a retry); 404 `execution-not-found` for an id nothing the caller may cancel
 * carries (unknown, another user's, or finished longer ago than the idempotency TTL);
 * 400 `invalid-request` for an empty or over-long id.
 */
export function cancelOutcomeToHttp(outcome: CancelOutcome): CancelHttpAnswer {
  const problem = (body: Problem): CancelHttpAnswer => ({
    status: body.status as CancelHttpAnswer["status"],
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE },
    body,
  });
  switch (outcome.kind) {
    case "cancelling":
      return {
        status: 202,
        headers: { "Content-Type": "application/json" },
        body: { state: "cancelling", request_ids: outcome.requestIds },
      };
    case "finished":
      return problem(
        problemDocument(409, "execution-finished", "Execution already finished", {
          detail: "the execution finished before the cancel arrived; its result stands",
          request_id: outcome.requestIds[0],
        }),
      );
    case "not_found":
      return problem(
        problemDocument(404, "execution-not-found", "Execution not found", {
          detail: "no queued or running execution of yours has this request id or idempotency key",
        }),
      );
    case "invalid":
      return problem(
        problemDocument(400, "invalid-request", "Invalid request", {
          detail: outcome.details.map((issue) => `${issue.path}: ${issue.message}`).join("; "),
          details: outcome.details,
        }),
      );
  }
}
