import type { ExecuteResponse, ExecutionEvent, Health } from "@wasm-relay/core";

/** The answers a {@link ResponseValidator} checks, by name. */
export interface ValidatedResponses {
  /** Body of a `200` from `POST /intent/execute-wasm`. */
  executeResponse: ExecuteResponse;
  /** Body of `GET /intent/execute-wasm/health`. */
  health: Health;
  /** The data of one event of the event stream. */
  executionEvent: ExecutionEvent;
}

/**
 * Checks answers against the API's schemas before the client hands them out. Without one the
 * client checks only what it relies on (discriminants and ids); the full check, built from
 * core's zod schemas, is `schemaValidator` from `@wasm-relay/client/validation` (kept out of
 * the default bundle so that browsers do not load zod unless they ask for it).
 */
export interface ResponseValidator {
  /**
   * @returns the value, typed, when it matches.
   * @throws ResponseValidationError naming what does not match.
   */
  validate<Kind extends keyof ValidatedResponses>(
    kind: Kind,
    value: unknown,
  ): ValidatedResponses[Kind];
}
