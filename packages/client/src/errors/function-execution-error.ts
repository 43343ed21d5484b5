import type { ExecutionErrorCode } from "@wasm-relay/core";
import { RelayError, type RelayErrorInit } from "./relay-error.js";

/**
 * A function endpoint's module ran and failed (`/fn/…`: a problem of type `execution-failed`):
 * `code` is the execute route's `error.code` (`trap`, `gas_exhausted`, `memory_limit`,
 * `timeout` (504), `invalid_input` (400), `entry_not_found` (404), …). Not retried: the run's
 * result is final.
 */
export class FunctionExecutionError extends RelayError {
  static override readonly kind: string = "FunctionExecutionError";
  /** Why the run failed. */
  readonly code: ExecutionErrorCode;
  /** Gas spent before it failed; `null` when not metered or not known. */
  readonly gasUsed: number | null;

  constructor(
    message: string,
    init: RelayErrorInit & { code: ExecutionErrorCode; gasUsed: number | null },
  ) {
    super(message, init);
    this.code = init.code;
    this.gasUsed = init.gasUsed;
  }
}
