import type { z } from "zod";
import type { RouteHandler } from "./route-table.js";

/** HTTP methods a route can be defined for (`HEAD` is answered by a `GET` route). */
export type RouteMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * A zod schema published under `components.schemas` of the OpenAPI document: `io: "input"` for
 * bodies callers write (defaulted members optional), `"output"` for bodies the server writes.
 */
export interface SchemaComponent {
  /** Name under `components.schemas` (e.g. `ExecuteRequest`). */
  readonly id: string;
  /** The zod schema: the source of truth of the body. */
  readonly schema: z.ZodType;
  /** Whether the body is read (`input`) or written (`output`) by the server. */
  readonly io: "input" | "output";
}

/** Names a zod schema as an OpenAPI component. */
export function schemaComponent(
  id: string,
  schema: z.ZodType,
  io: "input" | "output",
): SchemaComponent {
  return { id, schema, io };
}

/** One media type of a body: a zod component, or a plain JSON Schema for text and bytes. */
export interface MediaDefinition {
  /** The body's schema. */
  schema: SchemaComponent | Record<string, unknown>;
  /** For `text/event-stream`: the schemas each message's `data` may match. */
  eventData?: readonly SchemaComponent[];
}

/** One documented answer of a route. */
export interface ResponseDefinition {
  /** What the status means on this route. */
  description: string;
  /** Response headers (OpenAPI header objects or `$ref`s). */
  headers?: Record<string, unknown>;
  /** Body per media type; none for a body-less answer (204, 304). */
  content?: Record<string, MediaDefinition>;
}

/** A response shared by many routes, under `components.responses`. */
export interface SharedResponseReference {
  /** Name under `components.responses` (e.g. `Unauthenticated`). */
  shared: "Unauthenticated" | "InternalError";
}

/** The request body of a route. */
export interface RequestBodyDefinition {
  /** Whether a body must be sent. */
  required: boolean;
  /** Body per media type. */
  content: Record<string, MediaDefinition>;
}

/**
 * Everything about one route: method, path template, parameters, request and response schemas
 * and the handler. The router, the OpenAPI document and the test suite's response check are all
 * built from these, so a route cannot be served without being documented.
 * @typeParam Dependencies what the handler is built from (stores, relay, configuration).
 */
export interface RouteDefinition<Dependencies> {
  /** HTTP method. */
  method: RouteMethod;
  /** OpenAPI path template: literal segments and `{name}` parameters of one segment each. */
  path: string;
  /** `operationId` of the OpenAPI operation. */
  operationId: string;
  /** One-line summary. */
  summary: string;
  /** Longer description (Markdown). */
  description?: string;
  /** OpenAPI tags. */
  tags: readonly string[];
  /**
   * Who may call: `caller` (the configured authenticator), `metrics-token` (`RELAY_METRICS_TOKEN`
   * when it is set). @default no security member
   */
  security?: "caller" | "metrics-token";
  /** OpenAPI parameter objects (path, query, header) or `$ref`s. */
  parameters?: readonly Record<string, unknown>[];
  /** The request body, when the route reads one. */
  requestBody?: RequestBodyDefinition;
  /** Every status the route answers, keyed by status code. */
  responses: Record<string, ResponseDefinition | SharedResponseReference>;
  /** Builds the handler from the server's parts. */
  handler(dependencies: Dependencies): RouteHandler;
}

/** A route definition whatever its dependencies (for documents and lists of routes). */
export type AnyRouteDefinition = RouteDefinition<never>;

/** Identity function that checks a route definition's type. */
export function defineRoute<Dependencies>(
  definition: RouteDefinition<Dependencies>,
): RouteDefinition<Dependencies> {
  return definition;
}

/** A path parameter of one segment. */
export function pathParameter(name: string, description: string): Record<string, unknown> {
  return { name, in: "path", required: true, description, schema: { type: "string" } };
}
