import { z } from "zod";

/** Resource policy a caller may ask for. Every field is optional; missing ones take the server default. */
export const requestedPolicySchema = z
  .object({
    /** Most linear memory the module may hold. @unit bytes */
    max_memory: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "Most linear memory the module may hold, in bytes." }),
    /** Most metered instructions (gas units) the module may spend. */
    max_gas: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "Most metered instructions (gas units) the module may spend." }),
    /** Wall-clock bound of one execution. @unit milliseconds */
    max_time: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "Wall-clock bound of one execution, in milliseconds." }),
  })
  .strict();

/** A policy as a caller may send it. */
export type RequestedPolicy = z.infer<typeof requestedPolicySchema>;

/** The effective policy of one execution: every limit set. */
export const policySchema = z
  .object({
    max_memory: z.number().int().positive(),
    max_gas: z.number().int().positive(),
    max_time: z.number().int().positive(),
  })
  .strict();

/** The effective policy of one execution, after defaults and maxima. */
export type Policy = z.infer<typeof policySchema>;
