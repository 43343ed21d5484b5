/**
 * Full response validation with core's zod schemas: `@wasm-relay/client/validation`.
 * @module @wasm-relay/client/validation
 */
export type { ResponseValidator, ValidatedResponses } from "./validation/response-validator.js";
export { schemaValidator } from "./validation/schema-validator.js";
