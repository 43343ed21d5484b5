import type { RateLimitDecision } from "../ports/rate-limit-store.js";
import type { ExecuteResponse } from "../schemas/execute-response.js";
import type { ProblemDetail } from "../schemas/problem.js";

/**
 * What the pipeline decided for one execute request. Every branch maps to exactly one HTTP
 * answer ({@link outcomeToHttp}); none is an exception.
 */
export type RelayOutcome =
  /**
   * The module ran (successfully or not), or the result cache answered (`cache: "hit"`); 200
   * with `Relay-Cache: hit | miss` when `cache` is set.
   */
  | {
      kind: "executed";
      response: ExecuteResponse;
      rateLimit?: RateLimitDecision;
      cache?: "hit" | "miss";
    }
  /** A recorded response was replayed; 200 with `Idempotent-Replayed: true`. */
  | { kind: "replayed"; response: ExecuteResponse; rateLimit?: RateLimitDecision }
  /** Too many requests; 429. */
  | { kind: "rate_limited"; rateLimit: RateLimitDecision }
  /** The request is malformed; 400. */
  | { kind: "invalid"; details: ProblemDetail[] }
  /** A request under the same key still runs past the wait bound; 409. */
  | { kind: "idempotency_in_progress"; requestId: string; rateLimit?: RateLimitDecision }
  /** The key was used for a different request; 422. */
  | { kind: "idempotency_mismatch"; requestId: string; rateLimit?: RateLimitDecision }
  /** Antigone refused; 403. */
  | { kind: "forbidden"; reason: string; requestId: string; rateLimit?: RateLimitDecision }
  /** No module answers to the reference; 404. */
  | { kind: "module_not_found"; reference: string; requestId: string }
  /** Module bytes failed verification; 422. */
  | { kind: "module_unverified"; reference: string; message: string; requestId: string }
  /**
   * The executor cannot take work now; 503 `executor-unavailable`, or 429 `queue-quota-exceeded`
   * when `perCaller` (the caller holds too many queued executions).
   */
  | {
      kind: "unavailable";
      message: string;
      retryAfterMs: number;
      requestId?: string;
      perCaller?: boolean;
    }
  /** The module's source (glyph registry, gateway) cannot be reached; 503 `module-source-unavailable`. */
  | { kind: "module_source_unavailable"; message: string; retryAfterMs: number };

/** The `kind` of a {@link RelayOutcome}. */
export type RelayOutcomeKind = RelayOutcome["kind"];
