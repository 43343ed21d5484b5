import type {
  AnyRouteDefinition,
  MediaDefinition,
  ResponseDefinition,
  SchemaComponent,
  SharedResponseReference,
} from "../http/route-definition.js";
import { defaultRouteDefinitions } from "../routes/relay-route-definitions.js";
import {
  CALLER_SECURITY_SCHEME,
  type CallerAuthentication,
  callerSecurityScheme,
} from "./caller-security-scheme.js";
import {
  COMPONENT_SCHEMA_PREFIX,
  generateComponentSchemas,
  type JsonSchemaObject,
} from "./openapi-schemas.js";
import { jsonValueComponents, PROBLEM_MEDIA_TYPE, problemComponent } from "./route-responses.js";

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
  /** The routes to document. @default the routes of a relay with its module system */
  routes?: readonly AnyRouteDefinition[];
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

function problem(description: string, headers: Record<string, unknown> = {}) {
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: { $ref: `${COMPONENT_SCHEMA_PREFIX}${problemComponent.id}` },
      },
    },
  };
}

function isSchemaComponent(schema: MediaDefinition["schema"]): schema is SchemaComponent {
  return typeof (schema as Partial<SchemaComponent>).io === "string" && "id" in schema;
}

function schemaObject(schema: MediaDefinition["schema"]): Record<string, unknown> {
  return isSchemaComponent(schema) ? { $ref: `${COMPONENT_SCHEMA_PREFIX}${schema.id}` } : schema;
}

function mediaObjects(content: Record<string, MediaDefinition>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(content).map(([mediaType, media]) => [
      mediaType,
      {
        schema: schemaObject(media.schema),
        ...(media.eventData
          ? { "x-event-data-schema": { anyOf: media.eventData.map(schemaObject) } }
          : {}),
      },
    ]),
  );
}

function responseObject(response: ResponseDefinition | SharedResponseReference) {
  if ("shared" in response) return { $ref: `#/components/responses/${response.shared}` };
  return {
    description: response.description,
    ...(response.headers ? { headers: response.headers } : {}),
    ...(response.content ? { content: mediaObjects(response.content) } : {}),
  };
}

function securityOf(route: AnyRouteDefinition, options: OpenApiDocumentOptions) {
  if (route.security === "caller") return { security: [{ [CALLER_SECURITY_SCHEME]: [] }] };
  if (route.security === "metrics-token") {
    return { security: options.metricsTokenRequired ? [{ metricsToken: [] }] : [] };
  }
  return {};
}

/** The OpenAPI operation object of one route definition. */
function operationObject(route: AnyRouteDefinition, options: OpenApiDocumentOptions) {
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    ...securityOf(route, options),
    ...(route.parameters ? { parameters: [...route.parameters] } : {}),
    ...(route.requestBody
      ? {
          requestBody: {
            required: route.requestBody.required,
            content: mediaObjects(route.requestBody.content),
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        responseObject(response),
      ]),
    ),
  };
}

/** Every zod component a route's bodies use. */
function componentsOf(route: AnyRouteDefinition): SchemaComponent[] {
  const contents = [
    route.requestBody?.content,
    ...Object.values(route.responses).map((response) =>
      "shared" in response ? undefined : response.content,
    ),
  ];
  return contents.flatMap((content) =>
    Object.values(content ?? {}).flatMap((media) => [
      ...(isSchemaComponent(media.schema) ? [media.schema] : []),
      ...(media.eventData ?? []),
    ]),
  );
}

/** The `paths` of the document: one path item per template, one operation per method. */
function pathItems(routes: readonly AnyRouteDefinition[], options: OpenApiDocumentOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`${route.method} ${route.path} is defined twice`);
    item[method] = operationObject(route, options);
  }
  return paths;
}

/**
 * Builds the server's OpenAPI 3.1 document from route definitions: every route, every status it
 * answers and the problem body of each error, with the bodies' schemas generated from the
 * definitions' zod schemas.
 * @throws Error when two definitions share a method and path, or two schemas an id.
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  const routes = options.routes ?? defaultRouteDefinitions;
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
    paths: pathItems(routes, options),
    components: {
      schemas: generateComponentSchemas([
        problemComponent,
        ...jsonValueComponents,
        ...routes.flatMap(componentsOf),
      ]),
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
        RelayCache: {
          description:
            "`hit` when the result cache answered (the body has `cached: true`; nothing ran), `miss` when the module ran.",
          schema: { type: "string", enum: ["hit", "miss"] },
        },
      },
      securitySchemes: {
        [CALLER_SECURITY_SCHEME]: callerSecurityScheme(options.authentication ?? "dev-headers"),
        metricsToken: { type: "http", scheme: "bearer", description: "`RELAY_METRICS_TOKEN`." },
      },
    },
  };
}
