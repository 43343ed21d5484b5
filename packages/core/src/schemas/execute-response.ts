import { z } from "zod";
import { executionErrorSchema } from "./execution-error.js";
import { jsonValueSchema } from "./json-value.js";

const responseBase = {
  /** Content hash of the request (64 hex digits). */
  request_id: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .meta({ description: "Content hash of the request (64 hex digits)." }),
  /** CIDv1 of the bytes that ran. */
  resolved_cid: z.string().optional().meta({ description: "CIDv1 of the bytes that ran." }),
  /** Metered instructions spent; `null` when the executor does not meter. */
  gas_used: z.number().int().nonnegative().nullable().meta({
    description: "Metered instructions spent; null when the executor does not meter.",
  }),
  /** Time spent executing. @unit milliseconds */
  duration: z
    .number()
    .nonnegative()
    .meta({ description: "Time spent executing, in milliseconds." }),
  /** When the execution finished (ISO 8601). */
  executed_at: z.iso.datetime().meta({ description: "When the execution finished (ISO 8601)." }),
  /**
   * `true` when the answer came from the result cache (the same deterministic question was
   * answered before, for any caller): `gas_used`, `duration` and `executed_at` are those of the
   * run that answered it. Absent when the module ran for this request.
   */
  cached: z.literal(true).optional().meta({
    description:
      "true when the answer came from the result cache: gas_used, duration and executed_at are those of the run that answered it. Absent when the module ran for this request.",
  }),
};

/** Answer of a successful execution. */
export const executeSuccessSchema = z
  .object({
    success: z.literal(true),
    ...responseBase,
    output: jsonValueSchema,
  })
  .meta({ description: "The module ran and succeeded: output is its result." });

/** Answer of an execution that ran and failed (trap, timeout, out of gas…). */
export const executeFailureSchema = z
  .object({
    success: z.literal(false),
    ...responseBase,
    output: jsonValueSchema.optional(),
    error: executionErrorSchema,
  })
  .meta({
    description:
      "The module ran and failed (trap, timeout, out of gas…): a result, not a server error.",
  });

/** Body of a `200` answer to `POST /intent/execute-wasm`. */
export const executeResponseSchema = z.discriminatedUnion("success", [
  executeSuccessSchema,
  executeFailureSchema,
]);

/** Body of a `200` answer to `POST /intent/execute-wasm`. */
export type ExecuteResponse = z.infer<typeof executeResponseSchema>;
