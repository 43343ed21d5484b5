import { jsonValueSchema, problemSchema } from "@wasm-relay/core";
import {
  type ResponseDefinition,
  type SchemaComponent,
  type SharedResponseReference,
  schemaComponent,
} from "../http/route-definition.js";

/** Media type of problem documents (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The problem document every error answer carries. */
export const problemComponent = schemaComponent("Problem", problemSchema, "output");

/** Any JSON value: referenced by the request and response schemas of executions. */
export const jsonValueComponents: readonly SchemaComponent[] = [
  schemaComponent("JsonValue", jsonValueSchema, "input"),
  schemaComponent("JsonValue", jsonValueSchema, "output"),
];

/** A header under `components.headers`. */
export function headerReference(
  id: "RateLimit" | "RateLimitPolicy" | "RetryAfter" | "IdempotentReplayed" | "RelayCache",
): { $ref: string } {
  return { $ref: `#/components/headers/${id}` };
}

/** `RateLimit` and `RateLimit-Policy`, sent on answers the rate limit counted. */
export const rateLimitHeaders = {
  RateLimit: headerReference("RateLimit"),
  "RateLimit-Policy": headerReference("RateLimitPolicy"),
};

/** An error answer: a problem document, with optional headers. */
export function problemResponse(
  description: string,
  headers: Record<string, unknown> = {},
): ResponseDefinition {
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: problemComponent } },
  };
}

/** A JSON answer whose body is a zod component. */
export function jsonResponse(
  description: string,
  schema: SchemaComponent,
  headers?: Record<string, unknown>,
): ResponseDefinition {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema } },
  };
}

/** 401: the configured authenticator found no credentials (`components.responses`). */
export const unauthenticatedResponse: SharedResponseReference = { shared: "Unauthenticated" };

/** 500: the relay failed unexpectedly (`components.responses`). */
export const internalErrorResponse: SharedResponseReference = { shared: "InternalError" };
