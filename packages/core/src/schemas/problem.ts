import { z } from "zod";

/**
 * An RFC 9457 problem document that also keeps the seed's members (`error`, `details`,
 * `reason`, `retry_after`) so the seed's clients keep working.
 */
export const problemSchema = z
  .object({
    /** URI naming the kind of problem. */
    type: z.string(),
    /** Short human summary of the kind of problem. */
    title: z.string(),
    /** HTTP status code. */
    status: z.number().int(),
    /** Human explanation of this occurrence. */
    detail: z.string().optional(),
    /** The seed's error message (same as `title`). */
    error: z.string(),
    /** Validation issues: where and what. */
    details: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional(),
    /** Why access was refused. */
    reason: z.string().optional(),
    /** When to retry. @unit seconds */
    retry_after: z.number().int().nonnegative().optional(),
    /** The request's content hash when known. */
    request_id: z.string().optional(),
  })
  .passthrough();

/** A problem document. */
export type Problem = z.infer<typeof problemSchema>;

/** One validation issue in a problem's `details`. */
export type ProblemDetail = NonNullable<Problem["details"]>[number];
