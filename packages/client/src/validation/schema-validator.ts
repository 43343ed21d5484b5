import { executeResponseSchema, executionEventSchema, healthSchema } from "@wasm-relay/core";
import { ResponseValidationError } from "../errors/transport-errors.js";
import type { ResponseValidator, ValidatedResponses } from "./response-validator.js";

const schemas = {
  executeResponse: executeResponseSchema,
  health: healthSchema,
  executionEvent: executionEventSchema,
} as const;

/**
 * Validates answers with the zod schemas of `@wasm-relay/core`, the same ones the server
 * answers from. Pass it as `createClient({ validate: schemaValidator })`.
 */
export const schemaValidator: ResponseValidator = {
  validate<Kind extends keyof ValidatedResponses>(
    kind: Kind,
    value: unknown,
  ): ValidatedResponses[Kind] {
    const result = schemas[kind].safeParse(value);
    if (result.success) return result.data as ValidatedResponses[Kind];
    const issues = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new ResponseValidationError(`the server's ${kind} does not match the schema: ${issues}`, {
      cause: result.error,
    });
  },
};
