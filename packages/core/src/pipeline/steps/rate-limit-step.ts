import type { Identity } from "../../ports/identity.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import type { RelayConfig } from "../relay-config.js";
import {
  type AdmittedContext,
  type PipelinePorts,
  type RequestContext,
  type Stop,
  stop,
} from "./pipeline-context.js";

/** The caller's limit per window: the highest of the default and of its roles' limits. */
export function rateLimitFor(config: RelayConfig, identity: Identity): number {
  let limit = config.rateLimit.limit;
  for (const role of identity.roles) {
    const roleLimit = config.rateLimitByRole[role];
    if (roleLimit !== undefined && roleLimit > limit) limit = roleLimit;
  }
  return limit;
}

/**
 * Step 1, before anything else costs work: counts the call against its user's window
 * (`user:<id>`). A call past the limit stops as `rate_limited`.
 * @throws what the rate-limit store throws (infrastructure failures).
 */
export async function applyRateLimit(
  ports: Pick<PipelinePorts, "config" | "clock" | "rateLimitStore" | "metrics">,
  context: RequestContext,
): Promise<AdmittedContext | Stop> {
  const { config } = ports;
  const { identity } = context;
  const rateLimit = await ports.rateLimitStore.consume(
    `user:${identity.userId}`,
    { ...config.rateLimit, limit: rateLimitFor(config, identity) },
    ports.clock.now(),
  );
  if (!rateLimit.allowed) {
    ports.metrics.increment(METRIC_NAMES.rateLimited);
    return stop({ kind: "rate_limited", rateLimit });
  }
  return Object.assign(context, { rateLimit });
}
