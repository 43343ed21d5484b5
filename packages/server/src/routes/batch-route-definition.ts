import {
  batchEndEventSchema,
  batchResultEventSchema,
  executeBatchRequestSchema,
  executeBatchResponseSchema,
} from "@wasm-relay/core";
import { defineRoute, schemaComponent } from "../http/route-definition.js";
import {
  internalErrorResponse,
  problemResponse,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import { batchRoute } from "./batch-route.js";
import type { RouteDependencies } from "./route-dependencies.js";

/** `POST /intent/execute-wasm/batch`: its parameters, bodies and answers; handler {@link batchRoute}. */
export const batchRouteDefinition = defineRoute<RouteDependencies>({
  method: "POST",
  path: "/intent/execute-wasm/batch",
  operationId: "executeWasmBatch",
  summary: "Execute several modules in one request",
  description:
    "Runs up to `RELAY_BATCH_MAX` ordinary execute requests at once. Each request has its own idempotency (`idempotency_key` in its body; the `Idempotency-Key` header is refused), validation, authorization and policy, and each counts against the caller's rate limit. The answer is `200` with one answer per request, in request order: the execute response (`success` true or false), or the problem document the request alone would have got (`status` says which: 400, 403, 404, 409, 422, 429, 503…). With `Accept: text/event-stream` each request's answer is a `result` message (`index`, `status`, `replayed`, `body`) as soon as it finishes, then one `end` message.",
  tags: ["execution"],
  security: "caller",
  parameters: [
    {
      name: "Accept",
      in: "header",
      required: false,
      description:
        "`text/event-stream` streams each answer as it finishes; otherwise one JSON array.",
      schema: { type: "string" },
    },
    { $ref: "#/components/parameters/SessionId" },
  ],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: schemaComponent("ExecuteBatchRequest", executeBatchRequestSchema, "input"),
      },
    },
  },
  responses: {
    "200": {
      description:
        "Every request answered: a JSON array in request order, or (with `Accept: text/event-stream`) one `result` message per request as it finishes and a final `end`.",
      content: {
        "application/json": {
          schema: schemaComponent("ExecuteBatchResponse", executeBatchResponseSchema, "output"),
        },
        "text/event-stream": {
          schema: {
            type: "string",
            description:
              "Server-Sent Events: `result` (BatchResultEvent) per request, then `end` (BatchEndEvent).",
          },
          eventData: [
            schemaComponent("BatchResultEvent", batchResultEventSchema, "output"),
            schemaComponent("BatchEndEvent", batchEndEventSchema, "output"),
          ],
        },
      },
    },
    "400": problemResponse(
      'The body is not `{ "requests": [ … ] }` with at least one element, or an `Idempotency-Key` header was sent.',
    ),
    "401": unauthenticatedResponse,
    "413": problemResponse(
      "`batch-too-large`: more than `RELAY_BATCH_MAX` requests (`max_requests` says how many are allowed), or the body is larger than `RELAY_MAX_BODY_BYTES`.",
    ),
    "415": problemResponse("The body is not `application/json`."),
    "500": internalErrorResponse,
    "503": problemResponse("The server is shutting down."),
  },
  handler: (dependencies) =>
    batchRoute({
      relay: dependencies.relay,
      authenticator: dependencies.authenticator,
      maxBodyBytes: dependencies.config.RELAY_MAX_BODY_BYTES,
      maxRequests: dependencies.config.RELAY_BATCH_MAX,
    }),
});
