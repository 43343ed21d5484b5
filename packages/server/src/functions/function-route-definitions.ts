import { MULTI_SEGMENT_PARAMETER } from "../http/path-template-pattern.js";
import { defineRoute, type RouteDefinition } from "../http/route-definition.js";
import {
  headerReference,
  internalErrorResponse,
  jsonValueComponents,
  problemResponse,
  rateLimitHeaders,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import type { ModuleRouteDependencies } from "../routes/route-dependencies.js";
import { createFunctionModuleKinds } from "./function-module-kind.js";
import { POLICY_QUERY_PARAMETERS } from "./function-policy-query.js";
import { functionRoute } from "./function-route.js";
import { FUNCTION_METHODS, type FunctionMethod } from "./function-settings.js";

/** The path template of every function endpoint. */
export const FUNCTION_PATH_TEMPLATE = "/fn/{function}/{path}";

const runHeaders = {
  "Relay-Request-Id": {
    description: "Content hash of the request (64 hex digits): the execute route's `request_id`.",
    schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
  },
  "Relay-Gas-Used": {
    description: "Metered instructions spent (absent when the executor does not meter).",
    schema: { type: "integer", minimum: 0 },
  },
  "Relay-Duration": {
    description: "Time spent executing, in milliseconds.",
    schema: { type: "number", minimum: 0 },
  },
};

const parameters: Record<string, unknown>[] = [
  {
    name: "function",
    in: "path",
    required: true,
    description:
      "The glyph: `name@tag` (`calculator@quantum`). A scoped name is two segments (`@acme/tool@1`) or one encoded (`@acme%2Ftool@1`).",
    schema: { type: "string" },
  },
  {
    name: "path",
    in: "path",
    required: true,
    [MULTI_SEGMENT_PARAMETER]: true,
    description:
      "The rest of the path (may hold `/`; may be empty). A numeric module: the entry (`main`), one segment. A WASI module: its `PATH_INFO`.",
    schema: { type: "string" },
  },
  ...POLICY_QUERY_PARAMETERS.map((name) => ({
    name,
    in: "query",
    required: false,
    description: `Numeric modules: the call's \`${name}\` (a positive integer: ${name === "max_gas" ? "gas units" : name === "max_memory" ? "bytes" : "milliseconds"}), within the server's bounds and the caller's caps; default: the tag's published \`function.policy\`, else the server's default. WASI modules get the whole query string as \`QUERY_STRING\` instead.`,
    schema: { type: "integer", minimum: 1 },
  })),
  {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description: "Explicit idempotency key, as on the execute route.",
    schema: { type: "string", minLength: 1, maxLength: 255 },
  },
];

const jsonValue = jsonValueComponents.find((component) => component.io === "output")!;

function functionRouteDefinition(method: FunctionMethod): RouteDefinition<ModuleRouteDependencies> {
  const numeric = method === "POST";
  return defineRoute<ModuleRouteDependencies>({
    method,
    path: FUNCTION_PATH_TEMPLATE,
    operationId: `callFunction${method[0]}${method.slice(1).toLowerCase()}`,
    summary: numeric
      ? "Call a module's function (numeric) or request a WASI module (CGI)"
      : `${method} a WASI module served as CGI`,
    description: `A glyph tag served as an HTTP endpoint, through the same pipeline as \`POST /intent/execute-wasm\` (rate limit, validation, idempotency, authorization as \`invoke_function\` on \`glyph://name@tag\`, events, metrics). A numeric module: \`POST /fn/name@tag/{entry}\` with a JSON array of arguments (or an object of the names the tag declares), answered with the output as JSON; a failed run is a problem document whose \`code\` is the execute route's \`error.code\` (504 for \`timeout\`, 400 \`invalid_input\`, 404 \`entry_not_found\`, 422 otherwise). A WASI module: any method, the request as CGI variables and stdin, the module's stdout as the response (see docs/functions.md). Methods and anonymous access follow the tag's \`function\` settings.`,
    tags: ["functions"],
    security: "caller",
    parameters,
    ...(method === "GET" || method === "DELETE"
      ? {}
      : {
          requestBody: {
            required: false,
            content: {
              "application/json": { schema: numeric ? jsonValue : { description: "Any JSON." } },
              "*/*": { schema: { description: "Any body: a WASI module reads it on stdin." } },
            },
          },
        }),
    responses: {
      "200": {
        description: numeric
          ? "A numeric module's output as JSON, or a WASI module's response."
          : "A WASI module's response (its media type).",
        headers: {
          ...runHeaders,
          ...rateLimitHeaders,
          "Idempotent-Replayed": headerReference("IdempotentReplayed"),
        },
        content: {
          ...(numeric ? { "application/json": { schema: jsonValue } } : {}),
          "*/*": { schema: { description: "What the WASI module wrote after its headers." } },
        },
      },
      "400": problemResponse(
        "The glyph, the query, the body or the arguments are invalid (also `code: invalid_input`: the arguments do not fit the entry).",
        runHeaders,
      ),
      "401": unauthenticatedResponse,
      "403": problemResponse(
        "The authorizer refused `invoke_function`; `reason` says why.",
        rateLimitHeaders,
      ),
      "404": problemResponse(
        "No module answers to the glyph, or the entry does not exist (`function-entry-not-found`, or `code: entry_not_found`).",
      ),
      "405": problemResponse(
        "The tag's settings do not allow this method; `Allow` lists those that are.",
      ),
      "409": problemResponse("A request with this idempotency key is still running.", {
        "Retry-After": headerReference("RetryAfter"),
      }),
      "413": problemResponse("The body is larger than `RELAY_MAX_BODY_BYTES`."),
      "422": problemResponse(
        "The run failed (`code`: `trap`, `gas_exhausted`, `memory_limit`, `exit`, `output_too_large`, `invalid_module`), the idempotency key was used for another request, or the module failed verification.",
        runHeaders,
      ),
      "429": problemResponse(
        "Rate limit exceeded; `retry_after` and `Retry-After` say when to retry.",
        {
          ...rateLimitHeaders,
          "Retry-After": headerReference("RetryAfter"),
        },
      ),
      "500": internalErrorResponse,
      "502": problemResponse(
        "A WASI module wrote a response the relay does not pass on (`invalid-function-response`: no blank line after the headers, headers over 16 KiB or 64 lines, an invalid status, a control character in a header, a header the relay owns such as `Set-Cookie`).",
        runHeaders,
      ),
      "503": problemResponse("The executor, the module's source or a store is unavailable.", {
        "Retry-After": headerReference("RetryAfter"),
      }),
      "504": problemResponse("The run timed out (`code: timeout`).", runHeaders),
      default: {
        description:
          "A WASI module's own response: any status 200–599 it set with `Status`, any media type.",
        headers: runHeaders,
        content: { "*/*": { schema: { description: "What the WASI module wrote." } } },
      },
    },
    handler: (dependencies) =>
      functionRoute({
        relay: dependencies.relay,
        authenticator: dependencies.authenticator,
        authorizer: dependencies.authorizer,
        moduleKind: sharedModuleKinds(dependencies.resolver),
        settings: dependencies.resolver.functionSettings,
        maxBodyBytes: dependencies.config.RELAY_MAX_BODY_BYTES,
        anonymousByDefault: dependencies.config.RELAY_AUTH === "dev-headers",
      }),
  });
}

// One module-kind cache per resolver, shared by the routes of every method.
const moduleKindsByResolver = new WeakMap<object, ReturnType<typeof createFunctionModuleKinds>>();

function sharedModuleKinds(resolver: Parameters<typeof createFunctionModuleKinds>[0]) {
  let kinds = moduleKindsByResolver.get(resolver);
  if (!kinds) {
    kinds = createFunctionModuleKinds(resolver);
    moduleKindsByResolver.set(resolver, kinds);
  }
  return kinds;
}

/** `/fn/{function}/{path}` for every method a function endpoint can answer. */
export const functionRouteDefinitions = FUNCTION_METHODS.map(functionRouteDefinition);
