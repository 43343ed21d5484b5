import { z } from "zod";

/**
 * Why a module that was run did not succeed. These are results (HTTP 200, `success: false`),
 * never server errors.
 */
export const executionErrorCodeSchema = z.enum([
  "timeout",
  "trap",
  "gas_exhausted",
  "memory_limit",
  "invalid_module",
  "invalid_input",
  "entry_not_found",
  "output_too_large",
  "exit",
  "cancelled",
]);

/** One of the {@link executionErrorCodeSchema} codes. */
export type ExecutionErrorCode = z.infer<typeof executionErrorCodeSchema>;

/** The `error` member of a failed execution. */
export const executionErrorSchema = z.object({
  code: executionErrorCodeSchema,
  message: z.string(),
});

/** The `error` member of a failed execution. */
export type ExecutionError = z.infer<typeof executionErrorSchema>;
