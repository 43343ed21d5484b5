import { z } from "zod";

/**
 * The answer (202) of `DELETE /intent/execute-wasm/{request_id}`: the relays running the
 * matching executions were told to stop them. The waiting request then answers
 * `success: false` with `error.code: "cancelled"`.
 */
export const cancellationAcceptedSchema = z.object({
  /** Always `cancelling`: the stop is under way, not necessarily done. */
  state: z.literal("cancelling"),
  /** Request ids of the executions being cancelled (one, unless the id was shared). */
  request_ids: z.array(z.string()).min(1),
});

/** The answer of an accepted cancellation. */
export type CancellationAccepted = z.infer<typeof cancellationAcceptedSchema>;
