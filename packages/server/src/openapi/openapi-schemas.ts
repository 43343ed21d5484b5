import { z } from "zod";
import type { SchemaComponent } from "../http/route-definition.js";

/** A JSON Schema (2020-12) object as it appears under `components.schemas`. */
export type JsonSchemaObject = Record<string, unknown>;

/** Where component schemas live in the document; `$ref`s point here. */
export const COMPONENT_SCHEMA_PREFIX = "#/components/schemas/";

function generate(
  components: readonly SchemaComponent[],
  io: "input" | "output",
): Record<string, JsonSchemaObject> {
  const registry = z.registry<{ id: string }>();
  for (const component of components) {
    if (component.io === io && !registry.has(component.schema)) {
      registry.add(component.schema, { id: component.id });
    }
  }
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
 * The component schemas of the OpenAPI document, generated from the routes' zod schemas with zod
 * 4's `z.toJSONSchema`: request bodies as callers write them (`io: "input"`: defaulted members
 * optional), response bodies as the server writes them (`io: "output"`). A schema another one
 * uses is written once and referenced.
 * @throws Error when two different schemas claim one id.
 */
export function generateComponentSchemas(
  components: readonly SchemaComponent[],
): Record<string, JsonSchemaObject> {
  const byId = new Map<string, SchemaComponent>();
  for (const component of components) {
    const known = byId.get(`${component.io} ${component.id}`);
    if (known && known.schema !== component.schema) {
      throw new Error(`two different schemas are named ${component.id}`);
    }
    byId.set(`${component.io} ${component.id}`, component);
  }
  const inputIds = new Set(components.filter((c) => c.io === "input").map((c) => c.id));
  for (const component of components) {
    if (component.io === "output" && inputIds.has(component.id)) {
      const input = byId.get(`input ${component.id}`);
      if (input?.schema !== component.schema) {
        throw new Error(`${component.id} names a request and a different response schema`);
      }
    }
  }
  return { ...generate(components, "output"), ...generate(components, "input") };
}
