import type { Relay } from "@wasm-relay/core";
import { cancellationAcceptedSchema, cancelOutcomeToHttp } from "@wasm-relay/core";
import { HttpProblem, httpProblem } from "../http/http-problem.js";
import { defineRoute, pathParameter, schemaComponent } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";
import {
  headerReference,
  internalErrorResponse,
  jsonResponse,
  problemResponse,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import type { RouteDependencies } from "./route-dependencies.js";

/**
 * `DELETE /intent/execute-wasm/{request_id}`: authenticate, ask the relay to cancel, write its
 * answer (202, 404, 409, 400; see `cancelOutcomeToHttp`).
 * @throws HttpProblem 503 `cancellation-unavailable` (with `Retry-After`) when the cancellation
 *   registry (Redis) cannot be reached; the authenticator's problems (401) as they come.
 */
export function cancelRoute(options: { relay: Relay; authenticator: Authenticator }): RouteHandler {
  return async ({ request, response, parameters }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    let answer: ReturnType<typeof cancelOutcomeToHttp>;
    try {
      answer = cancelOutcomeToHttp(
        await options.relay.cancel(identity, parameters.request_id ?? ""),
      );
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      throw httpProblem(
        503,
        "cancellation-unavailable",
        "Cancellation unavailable",
        {
          detail: `the cancellation registry (Redis) could not be reached: ${error instanceof Error ? error.message : String(error)}; retry later`,
          retry_after: 1,
        },
        { "Retry-After": "1" },
      );
    }
    writeJson(response, answer.status, answer.body, answer.headers);
  };
}

/** `DELETE /intent/execute-wasm/{request_id}`: cancel a queued or running execution. */
export const cancelRouteDefinition = defineRoute<RouteDependencies>({
  method: "DELETE",
  path: "/intent/execute-wasm/{request_id}",
  operationId: "cancelExecution",
  summary: "Cancel a queued or running execution",
  description:
    "Cancels the caller's queued or running execution (an `admin`: anyone's) wherever it runs: on this relay or, with a shared Redis, on any other. `{request_id}` is the execution's `request_id`, or the idempotency key the caller sent it under (so that it can cancel before it knows the request id; keys belong to their caller, even for an admin). The request that awaits the execution then answers `200` with `success: false` and `error.code: \"cancelled\"`, its event stream ends with that result, and nothing is recorded: the same request sent again runs afresh. The answer `202` means the stop is under way, not done.",
  tags: ["execution"],
  security: "caller",
  parameters: [
    pathParameter(
      "request_id",
      "The execution's `request_id` (64 hex digits), or the idempotency key it was sent under (1 to 255 characters, percent-encoded).",
    ),
    { $ref: "#/components/parameters/SessionId" },
  ],
  responses: {
    "202": jsonResponse(
      "The relay running each matching execution was told to stop it; `request_ids` names them.",
      schemaComponent("CancellationAccepted", cancellationAcceptedSchema, "output"),
    ),
    "400": problemResponse(
      "The id is empty or longer than 255 characters, or not valid percent-encoding.",
    ),
    "401": unauthenticatedResponse,
    "404": problemResponse(
      "`execution-not-found`: no queued or running execution of the caller has this id (unknown, someone else's, or finished longer ago than `RELAY_IDEMPOTENCY_TTL`).",
    ),
    "409": problemResponse(
      "`execution-finished`: the execution already finished; its result stands (a retry of the same request replays it).",
    ),
    "500": internalErrorResponse,
    "503": problemResponse(
      "`cancellation-unavailable`: the cancellation registry (Redis) cannot be reached and nothing of the caller's under this id runs on this relay.",
      { "Retry-After": headerReference("RetryAfter") },
    ),
  },
  handler: (dependencies) =>
    cancelRoute({ relay: dependencies.relay, authenticator: dependencies.authenticator }),
});
