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
