/**
 * The reason of the abort signal an executor receives when a caller cancelled the execution
 * (`DELETE /intent/execute-wasm/{request_id}`, `relay.cancel`), as opposed to a shutdown or a
 * caller that went away. The pipeline answers it `success: false` with `error.code: "cancelled"`.
 */
export class ExecutionCancelledError extends Error {
  override readonly name = "ExecutionCancelledError";
  /** The cancelled execution's request id. */
  readonly requestId: string;
  constructor(requestId: string) {
    super(`execution ${requestId} was cancelled`);
    this.requestId = requestId;
  }
}
