import {
  eventsLostNoticeSchema,
  executeRequestSchema,
  executeResponseSchema,
  executionEventSchema,
  healthSchema,
  jsonValueSchema,
  problemSchema,
} from "@wasm-relay/core";
import { z } from "zod";
import {
  glyphPublicationSchema,
  glyphPublishedSchema,
  glyphRecordSchema,
  moduleUploadedSchema,
} from "./module-schemas.js";

/** A JSON Schema (2020-12) object as it appears under `components.schemas`. */
export type JsonSchemaObject = Record<string, unknown>;

/** Where component schemas live in the document; `$ref`s point here. */
export const COMPONENT_SCHEMA_PREFIX = "#/components/schemas/";

function generate(
  schemas: Record<string, z.ZodType>,
  io: "input" | "output",
): Record<string, JsonSchemaObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: generated } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => `${COMPONENT_SCHEMA_PREFIX}${id}`,
  });
  // `$schema` and `$id` are implied by the document (OpenAPI 3.1's dialect is 2020-12).
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...rest }]) => [
      id,
      rest as JsonSchemaObject,
    ]),
  );
}

/**
 * The component schemas of the OpenAPI document, generated from core's zod schemas with zod 4's
 * `z.toJSONSchema`: request bodies as callers write them (`io: "input"`: defaulted members
 * optional), response bodies as the server writes them (`io: "output"`).
 */
export function openApiComponentSchemas(): Record<string, JsonSchemaObject> {
  const inputs = generate(
    {
      ExecuteRequest: executeRequestSchema,
      GlyphPublication: glyphPublicationSchema,
      JsonValue: jsonValueSchema,
    },
    "input",
  );
  const outputs = generate(
    {
      ExecuteResponse: executeResponseSchema,
      Problem: problemSchema,
      Health: healthSchema,
      ExecutionEvent: executionEventSchema,
      EventsLostNotice: eventsLostNoticeSchema,
      JsonValue: jsonValueSchema,
      ModuleUploaded: moduleUploadedSchema,
      GlyphPublished: glyphPublishedSchema,
      GlyphRecord: glyphRecordSchema,
    },
    "output",
  );
  return { ...outputs, ...inputs };
}
