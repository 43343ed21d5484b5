import {
  CALLER_SECURITY_SCHEME,
  type CallerAuthentication,
  callerSecurityScheme,
} from "./caller-security-scheme.js";
import { modulePaths } from "./module-paths.js";
import {
  COMPONENT_SCHEMA_PREFIX,
  type JsonSchemaObject,
  openApiComponentSchemas,
} from "./openapi-schemas.js";

/** Options of {@link createOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** Version of the API written in `info.version`. @default "0.1.0" */
  version?: string;
  /** How callers authenticate (`RELAY_AUTH`). @default "dev-headers" */
  authentication?: CallerAuthentication;
  /** Whether `GET /metrics` requires `RELAY_METRICS_TOKEN`. @default false */
  metricsTokenRequired?: boolean;
  /** Base URLs written in `servers`. @default none (relative to the document) */
  serverUrls?: readonly string[];
}

/** An OpenAPI 3.1 document (the subset of members this server writes). */
export interface OpenApiDocument {
  /** OpenAPI version: `3.1.0`. */
  openapi: string;
  /** Title, version and description of the API. */
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  /** JSON Schema dialect of every schema: 2020-12. */
  jsonSchemaDialect: string;
  /** Base URLs. */
  servers?: { url: string }[];
  /** One entry per route. */
  paths: Record<string, Record<string, unknown>>;
  /** Schemas, shared responses, headers and security schemes. */
  components: {
    schemas: Record<string, JsonSchemaObject>;
    parameters: Record<string, unknown>;
    responses: Record<string, unknown>;
    headers: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

const PROBLEM_MEDIA_TYPE = "application/problem+json";
const reference = (id: string) => ({ $ref: `${COMPONENT_SCHEMA_PREFIX}${id}` });
const headerReference = (id: string) => ({ $ref: `#/components/headers/${id}` });
const responseReference = (id: string) => ({ $ref: `#/components/responses/${id}` });

function problem(description: string, headers: Record<string, unknown> = {}) {
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: reference("Problem") } },
  };
}

const rateLimitHeaders = {
  RateLimit: headerReference("RateLimit"),
  "RateLimit-Policy": headerReference("RateLimitPolicy"),
};

/**
 * Builds the server's OpenAPI 3.1 document: every route, every status it answers and the problem
 * body of each error, with the bodies' schemas generated from core's zod schemas.
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: "wasm-relay",
      version: options.version ?? "0.1.0",
      description:
        "Execute WebAssembly modules on request: rate-limited, validated, deduplicated (idempotency), authorized, metered. Errors are RFC 9457 problem documents that keep the seed's members (`error`, `details`, `reason`, `retry_after`).",
      license: { name: "MIT", identifier: "MIT" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    ...(options.serverUrls ? { servers: options.serverUrls.map((url) => ({ url })) } : {}),
    paths: {
      "/intent/execute-wasm": {
        post: {
          operationId: "executeWasm",
          summary: "Execute a WebAssembly module",
          description:
            "Runs one module under a resource policy. An execution that ran and failed (trap, timeout, out of gas, memory limit) is a result: 200 with `success: false`. The same request (same user, module, inputs, entry and policy, or the same idempotency key) within the idempotency TTL is answered by replaying the recorded response with `Idempotent-Replayed: true`.",
          tags: ["execution"],
          security: [{ [CALLER_SECURITY_SCHEME]: [] }],
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description:
                "Explicit idempotency key (same as the body's `idempotency_key`; if both are sent they must be equal).",
              schema: { type: "string", minLength: 1, maxLength: 255 },
            },
            { $ref: "#/components/parameters/SessionId" },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: reference("ExecuteRequest") } },
          },
          responses: {
            "200": {
              description: "The module ran: `success` says whether it succeeded.",
              headers: {
                ...rateLimitHeaders,
                "Idempotent-Replayed": headerReference("IdempotentReplayed"),
              },
              content: { "application/json": { schema: reference("ExecuteResponse") } },
            },
            "400": problem(
              "The body is not valid JSON or does not match the request schema; `details` names each wrong member.",
            ),
            "401": responseReference("Unauthenticated"),
            "403": problem("The authorizer refused; `reason` says why.", rateLimitHeaders),
            "404": problem("No module answers to `cid`."),
            "409": problem("A request with this idempotency key is still running.", {
              ...rateLimitHeaders,
              "Retry-After": headerReference("RetryAfter"),
            }),
            "413": problem("The body is larger than `RELAY_MAX_BODY_BYTES`."),
            "415": problem("The body is not `application/json`."),
            "422": problem(
              "The idempotency key was used for a different request, or the module's bytes failed verification.",
              rateLimitHeaders,
            ),
            "429": problem(
              "Rate limit exceeded; `retry_after` and `Retry-After` say when to retry.",
              {
                ...rateLimitHeaders,
                "Retry-After": headerReference("RetryAfter"),
              },
            ),
            "500": responseReference("InternalError"),
            "503": problem(
              "The executor cannot take work now (queue full or shutting down), the module's source (glyph registry, gateways) cannot be reached, or Redis is connected but did not decide the rate limit or idempotency within `RELAY_REDIS_TIMEOUT` (`store-unavailable`; nothing ran).",
              {
                "Retry-After": headerReference("RetryAfter"),
              },
            ),
          },
        },
      },
      "/intent/execute-wasm/events": {
        get: {
          operationId: "streamExecutionEvents",
          summary: "Stream execution events (Server-Sent Events)",
          description:
            "Events of the caller's own executions (admins see all). Each message's `data` is one `ExecutionEvent` as JSON and its `id` resumes the stream through `Last-Event-ID`; when events after that id are no longer retained, an `events_lost` message (`EventsLostNotice`) says so first. With `request_id` the stream ends after that execution's terminal event (`execution_complete` or `execution_error`).",
          tags: ["execution"],
          security: [{ [CALLER_SECURITY_SCHEME]: [] }],
          parameters: [
            {
              name: "request_id",
              in: "query",
              required: false,
              description: "Only this execution's events.",
              schema: { type: "string" },
            },
            {
              name: "last_event_id",
              in: "query",
              required: false,
              description: "Resume after this event id (for clients that cannot set headers).",
              schema: { type: "string" },
            },
            {
              name: "Last-Event-ID",
              in: "header",
              required: false,
              description: "Resume after this event id.",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description: "A `text/event-stream`; every message's `data` is an `ExecutionEvent`.",
              content: {
                "text/event-stream": {
                  schema: {
                    type: "string",
                    description: "Server-Sent Events; `data` of each message: ExecutionEvent.",
                  },
                  "x-event-data-schema": {
                    anyOf: [reference("ExecutionEvent"), reference("EventsLostNotice")],
                  },
                },
              },
            },
            "204": {
              description:
                "With `request_id` and a `Last-Event-ID` at or after that execution's terminal event: nothing more will come (an EventSource stops reconnecting).",
            },
            "400": problem("`Last-Event-ID`, `request_id` or an identity header is malformed."),
            "401": responseReference("Unauthenticated"),
            "403": problem("The authorizer refused `read_events` (`reason` says why)."),
            "500": responseReference("InternalError"),
            "503": problem("The event bus cannot be read (e.g. Redis is unavailable)."),
          },
        },
      },
      "/intent/execute-wasm/health": {
        get: {
          operationId: "getHealth",
          summary: "Health of the relay",
          description:
            "`healthy`, `degraded` (a dependency is in fallback; `reasons` say which) or `unhealthy` (503). `features` and `limits` are the effective configuration.",
          tags: ["operations"],
          responses: {
            "200": {
              description: "Healthy or degraded.",
              content: { "application/json": { schema: reference("Health") } },
            },
            "503": {
              description: "Unhealthy.",
              content: { "application/json": { schema: reference("Health") } },
            },
          },
        },
      },
      "/metrics": {
        get: {
          operationId: "getMetrics",
          summary: "Prometheus metrics",
          description:
            "The Prometheus text exposition. When `RELAY_METRICS_TOKEN` is set, requires `Authorization: Bearer <token>`.",
          tags: ["operations"],
          security: options.metricsTokenRequired ? [{ metricsToken: [] }] : [],
          responses: {
            "200": {
              description: "Prometheus text format 0.0.4.",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            "401": problem("`RELAY_METRICS_TOKEN` is set and the request does not carry it.", {
              "WWW-Authenticate": {
                description: '`Bearer realm="metrics"`',
                schema: { type: "string" },
              },
            }),
          },
        },
      },
      ...modulePaths(),
      "/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          tags: ["operations"],
          responses: {
            "200": {
              description: "The OpenAPI 3.1 document.",
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: openApiComponentSchemas(),
      parameters: {
        SessionId: {
          name: "session_id",
          in: "header",
          required: false,
          description: "Session of the caller (dev-headers identity); carried into bus events.",
          schema: { type: "string" },
        },
      },
      responses: {
        Unauthenticated: problem(
          "No identity: the configured authenticator found no credentials.",
          {
            "WWW-Authenticate": { description: "How to authenticate.", schema: { type: "string" } },
          },
        ),
        InternalError: problem(
          "The relay failed unexpectedly; the request was not recorded and may be retried.",
        ),
      },
      headers: {
        RateLimit: {
          description:
            "Remaining quota (`r`) and seconds until it resets (`t`), IETF RateLimit header draft.",
          schema: { type: "string", examples: ['"default";r=9;t=60'] },
        },
        RateLimitPolicy: {
          description: "Quota (`q`) per window of `w` seconds.",
          schema: { type: "string", examples: ['"default";q=10;w=60'] },
        },
        RetryAfter: {
          description: "Seconds to wait before retrying.",
          schema: { type: "integer", minimum: 1 },
        },
        IdempotentReplayed: {
          description: "`true` when the response is a replay of a recorded one.",
          schema: { type: "string", enum: ["true"] },
        },
      },
      securitySchemes: {
        [CALLER_SECURITY_SCHEME]: callerSecurityScheme(options.authentication ?? "dev-headers"),
        metricsToken: { type: "http", scheme: "bearer", description: "`RELAY_METRICS_TOKEN`." },
      },
    },
  };
}
