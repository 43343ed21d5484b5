import type { CancellationAccepted } from "@wasm-relay/core";
import type { RequestOptions } from "../client-options.js";
import { ResponseValidationError } from "../errors/transport-errors.js";
import type { HttpTransport } from "../transport/http-transport.js";
import { requestOptions, requireText } from "./call-arguments.js";

/**
 * `DELETE /intent/execute-wasm/{id}`: cancels the caller's queued or running execution named by
 * its `request_id` or the idempotency key it was sent under. Resolves once the relay running it
 * was told to stop it; the call awaiting it then resolves with `success: false` and
 * `error.code: "cancelled"`. Not retried (a retry could meet the cancelled run's end as 409).
 * @throws TypeError when `id` is empty; NotFoundError (404: unknown, someone else's, or long
 *   finished), ExecutionFinishedError (409: it already finished), ValidationError (400),
 *   AuthenticationError (401), ServerError (503: the cancellation registry is unreachable),
 *   ConnectionError, TimeoutError, AbortError, ResponseValidationError.
 */
export async function cancelExecution(
  transport: HttpTransport,
  id: string,
  options: RequestOptions = {},
): Promise<CancellationAccepted> {
  requireText("cancel: the request id or idempotency key", id);
  const answer = await transport.request(
    {
      ...requestOptions(options),
      maxRetries: 0,
      method: "DELETE",
      path: `intent/execute-wasm/${encodeURIComponent(id)}`,
      headers: options.headers,
    },
    "json",
  );
  const body = answer.data as CancellationAccepted | undefined;
  if (!Array.isArray(body?.request_ids)) {
    throw new ResponseValidationError("the cancel answer lacks `request_ids`");
  }
  return body;
}
