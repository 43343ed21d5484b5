import type { Relay, RelayOutcome } from "@wasm-relay/core";
import {
  executeRequestSchema,
  executeResponseSchema,
  LONGEST_IDEMPOTENCY_KEY,
  outcomeToHttp,
} from "@wasm-relay/core";
import { idempotencyKeyHeader } from "../http/idempotency-key-header.js";
import { readJsonBody } from "../http/read-json-body.js";
import { defineRoute, schemaComponent } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";
import {
  headerReference,
  internalErrorResponse,
  jsonResponse,
  problemResponse,
  rateLimitHeaders,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import type { RouteDependencies } from "./route-dependencies.js";

/**
 * `POST /intent/execute-wasm`: authenticate, parse, run the pipeline, write its answer. The
 * request's signal (aborted when shutdown stops waiting) aborts the pipeline, which releases
 * the idempotency lease; the caller then gets 503 with `Retry-After`.
 * @throws HttpProblem 400 for an `Idempotency-Key` header over 255 characters; the body
 *   reader's and authenticator's problems as they come.
 */
export function executeRoute(options: {
  relay: Relay;
  authenticator: Authenticator;
  maxBodyBytes: number;
}): RouteHandler {
  return async ({ request, response, signal }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const body = await readJsonBody(request, options.maxBodyBytes);
    const idempotencyKey = idempotencyKeyHeader(request);
    let outcome: RelayOutcome;
    try {
      outcome = await options.relay.execute(body, identity, {
        idempotencyKey,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw shuttingDownProblem();
      throw error;
    }
    const answer = outcomeToHttp(outcome, options.relay.config.rateLimit.windowMs);
    writeJson(response, answer.status, answer.body, answer.headers);
  };
}

/** `POST /intent/execute-wasm`: its handler, parameters, bodies and every status it answers. */
export const executeRouteDefinition = defineRoute<RouteDependencies>({
  method: "POST",
  path: "/intent/execute-wasm",
  operationId: "executeWasm",
  summary: "Execute a WebAssembly module",
  description:
    'Runs one module under a resource policy. An execution that ran and failed (trap, timeout, out of gas, memory limit) is a result: 200 with `success: false`. The same request (same user, module, inputs, entry and policy, or the same idempotency key) within the idempotency TTL is answered by replaying the recorded response with `Idempotent-Replayed: true`. A deterministic question any caller asked before (same module fingerprint, entry, ABI and inputs, a fitting policy) is answered from the result cache with `cached: true` and `Relay-Cache: hit`, after rate limit, validation, idempotency and authorization; `"cache": false` opts out, `"deterministic": false` gives the module real time and randomness and is never cached.',
  tags: ["execution"],
  security: "caller",
  parameters: [
    {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Explicit idempotency key (same as the body's `idempotency_key`; if both are sent they must be equal).",
      schema: { type: "string", minLength: 1, maxLength: LONGEST_IDEMPOTENCY_KEY },
    },
    { $ref: "#/components/parameters/SessionId" },
  ],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: schemaComponent("ExecuteRequest", executeRequestSchema, "input"),
      },
    },
  },
  responses: {
    "200": jsonResponse(
      "The module ran: `success` says whether it succeeded.",
      schemaComponent("ExecuteResponse", executeResponseSchema, "output"),
      {
        ...rateLimitHeaders,
        "Idempotent-Replayed": headerReference("IdempotentReplayed"),
        "Relay-Cache": headerReference("RelayCache"),
      },
    ),
    "400": problemResponse(
      "The body is not valid JSON or does not match the request schema; `details` names each wrong member.",
    ),
    "401": unauthenticatedResponse,
    "403": problemResponse("The authorizer refused; `reason` says why.", rateLimitHeaders),
    "404": problemResponse("No module answers to `cid`."),
    "409": problemResponse("A request with this idempotency key is still running.", {
      ...rateLimitHeaders,
      "Retry-After": headerReference("RetryAfter"),
    }),
    "413": problemResponse("The body is larger than `RELAY_MAX_BODY_BYTES`."),
    "415": problemResponse("The body is not `application/json`."),
    "422": problemResponse(
      "The idempotency key was used for a different request, or the module's bytes failed verification.",
      rateLimitHeaders,
    ),
    "429": problemResponse(
      "Rate limit exceeded, or (`queue-quota-exceeded`, `RELAY_EXECUTOR=queue`) the caller already has `RELAY_QUEUE_MAX_PER_USER` executions waiting; `retry_after` and `Retry-After` say when to retry.",
      { ...rateLimitHeaders, "Retry-After": headerReference("RetryAfter") },
    ),
    "500": internalErrorResponse,
    "503": problemResponse(
      "The executor cannot take work now (`executor-unavailable`: queue full (`RELAY_QUEUE_MAX`), shutting down, or with `RELAY_EXECUTOR=queue` Redis down or no worker online), the module's source (glyph registry, gateways) cannot be reached (`module-source-unavailable`), or Redis is connected but did not decide the rate limit or idempotency within `RELAY_REDIS_TIMEOUT` (`store-unavailable`; nothing ran).",
      { "Retry-After": headerReference("RetryAfter") },
    ),
  },
  handler: (dependencies) =>
    executeRoute({
      relay: dependencies.relay,
      authenticator: dependencies.authenticator,
      maxBodyBytes: dependencies.config.RELAY_MAX_BODY_BYTES,
    }),
});
