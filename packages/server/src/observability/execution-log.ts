import type { Relay, RelayOutcome } from "@wasm-relay/core";
import type { RelayLogger } from "./logger.js";

/** The fields of one execution's log line. Never inputs, outputs or credentials. */
export interface ExecutionLogFields {
  /** Always `"execution"`: selects these lines among others. */
  event: "execution";
  /** Content hash of the request, when the pipeline got as far as computing it. */
  request_id: string | null;
  /** The caller's user id. */
  user_id: string;
  /**
   * What happened: `success`, `failure` (ran and failed), `replayed`, `rate_limited`, `invalid`,
   * `forbidden`, `module_not_found`, `module_unverified`, `idempotency_in_progress`,
   * `idempotency_mismatch`, `unavailable` (the executor), `module_source_unavailable` or
   * `exception` (a store failed).
   */
  outcome: string;
  /** Error code of a failed execution (`trap`, `timeout`…). */
  error_code?: string;
  /** Gas the execution spent. */
  gas_used?: number | null;
  /** Time the pipeline took for this request, end to end. @unit milliseconds */
  duration_ms: number;
}

/** Describes an outcome as log fields (without the user and duration). */
export function describeOutcome(
  outcome: RelayOutcome,
): Pick<ExecutionLogFields, "request_id" | "outcome" | "error_code" | "gas_used"> {
  switch (outcome.kind) {
    case "executed":
    case "replayed": {
      const { response } = outcome;
      return {
        request_id: response.request_id,
        outcome:
          outcome.kind === "replayed" ? "replayed" : response.success ? "success" : "failure",
        ...(response.success ? {} : { error_code: response.error.code }),
        gas_used: response.gas_used,
      };
    }
    case "rate_limited":
    case "invalid":
    case "module_source_unavailable":
      return { request_id: null, outcome: outcome.kind };
    default:
      return { request_id: outcome.requestId ?? null, outcome: outcome.kind };
  }
}

/**
 * Wraps a relay so that every `execute` call writes one structured line: `info` for executions
 * and replays, `warn` for refusals, `error` when the pipeline throws (then the error is
 * rethrown). The request body, inputs, outputs and credentials are never logged.
 */
export function withExecutionLog(relay: Relay, logger: RelayLogger): Relay {
  return {
    config: relay.config,
    events: (identity, options) => relay.events(identity, options),
    cancel: (identity, id) => relay.cancel(identity, id),
    async execute(body, identity, options) {
      const started = performance.now();
      const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
      try {
        const outcome = await relay.execute(body, identity, options);
        const level = outcome.kind === "executed" || outcome.kind === "replayed" ? "info" : "warn";
        // The line's fields are built only when the level is written (not at LOG_LEVEL=silent).
        if (logger.isLevelEnabled(level)) {
          const fields: ExecutionLogFields = {
            event: "execution",
            user_id: identity.userId,
            ...describeOutcome(outcome),
            duration_ms: elapsed(),
          };
          logger[level](fields, "execution");
        }
        return outcome;
      } catch (error) {
        logger.error(
          {
            event: "execution",
            request_id: null,
            user_id: identity.userId,
            outcome: "exception",
            duration_ms: elapsed(),
            error: error instanceof Error ? error.message : String(error),
          },
          "execution",
        );
        throw error;
      }
    },
  };
}
