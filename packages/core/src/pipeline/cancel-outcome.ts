import { LONGEST_IDEMPOTENCY_KEY } from "../schemas/execute-request.js";
import type { ProblemDetail } from "../schemas/problem.js";

/**
 * What `relay.cancel` found. Every branch maps to one HTTP answer ({@link cancelOutcomeToHttp}):
 * 202, 409, 404, 400.
 */
export type CancelOutcome =
  /** The relay running each matching execution was told to stop it; 202. */
  | { kind: "cancelling"; requestIds: string[] }
  /** Every matching execution had already finished (its result stands); 409. */
  | { kind: "finished"; requestIds: string[] }
  /** Nothing the caller may cancel has this id (or it finished before the record's TTL); 404. */
  | { kind: "not_found"; id: string }
  /** The id is empty or longer than any request id or idempotency key; 400. */
  | { kind: "invalid"; details: ProblemDetail[] };

/** Longest id `relay.cancel` looks up: the longest idempotency key. */
export const LONGEST_CANCEL_ID = LONGEST_IDEMPOTENCY_KEY;
