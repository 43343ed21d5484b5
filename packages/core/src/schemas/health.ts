import { z } from "zod";

/** Body of `GET /intent/execute-wasm/health` (the seed's document, plus reasons). */
export const healthSchema = z.object({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  /** Why the status is not `healthy`. */
  reasons: z.array(z.string()).optional(),
  /** Which features are actually on. */
  features: z.object({
    idempotency: z.boolean(),
    rate_limiting: z.boolean(),
    antigone_integration: z.boolean(),
    sse_events: z.boolean(),
    tmpbus_events: z.boolean(),
  }),
  /** The shared execution queue (`RELAY_EXECUTOR=queue` only). */
  queue: z
    .object({
      /** Executions waiting for a worker. */
      depth: z.number().int().nonnegative(),
      /** How long the oldest waiting execution has waited (0 when none waits). @unit milliseconds */
      oldest_job_age: z.number().int().nonnegative(),
      /** Worker processes whose heartbeat is recent. */
      workers_online: z.number().int().nonnegative(),
    })
    .optional(),
  limits: z.object({
    rate_limit: z.number().int(),
    /** @unit milliseconds */
    rate_window: z.number().int(),
    /** @unit milliseconds */
    idempotency_ttl: z.number().int(),
  }),
});

/** Body of the health endpoint. */
export type Health = z.infer<typeof healthSchema>;
