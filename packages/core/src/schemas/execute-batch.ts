import { z } from "zod";
import { executeRequestSchema } from "./execute-request.js";
import { executeResponseSchema } from "./execute-response.js";
import { problemSchema } from "./problem.js";

/**
 * The body of `POST /intent/execute-wasm/batch`: ordinary execute bodies, each with its own
 * idempotency key, limits and authorization. The server checks each element on its own (one
 * malformed element is that element's 400 problem, not the batch's), so this schema documents
 * the elements; it is not the batch's gate.
 */
export const executeBatchRequestSchema = z.object({
  /** The requests, answered in this order; at most `RELAY_BATCH_MAX`. */
  requests: z.array(executeRequestSchema).min(1),
});

/** The body of a batch as callers write it. */
export type ExecuteBatchRequestInput = z.input<typeof executeBatchRequestSchema>;

/** One element's answer: the execute response (it ran, or was replayed), or a problem document. */
export const batchElementAnswerSchema = z.union([executeResponseSchema, problemSchema]);

/** One element's answer of a batch. */
export type BatchElementAnswer = z.infer<typeof batchElementAnswerSchema>;

/** The JSON answer of a batch: one answer per request, in request order. */
export const executeBatchResponseSchema = z.array(batchElementAnswerSchema);

/** The `data` of a streamed batch's `result` message: one request's answer as it finished. */
export const batchResultEventSchema = z.object({
  /** Position of the request in `requests` (0-based). */
  index: z.number().int().nonnegative(),
  /** The HTTP status the request alone would have been answered with. */
  status: z.number().int(),
  /** Whether the answer was replayed from the idempotency record. */
  replayed: z.boolean(),
  /** The answer. */
  body: batchElementAnswerSchema,
});

/** One streamed batch answer. */
export type BatchResultEvent = z.infer<typeof batchResultEventSchema>;

/** The `data` of a streamed batch's `end` message, after every `result`. */
export const batchEndEventSchema = z.object({
  /** How many `result` messages were sent (the number of requests). */
  count: z.number().int().nonnegative(),
});
