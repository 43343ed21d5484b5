import { METRIC_NAMES } from "../../ports/metrics.js";
import { passIdempotencyGate, scopeIdempotencyKey } from "../idempotency-gate.js";
import {
  type GatedContext,
  type PipelinePorts,
  type ResolvedContext,
  type Stop,
  stop,
} from "./pipeline-context.js";

/**
 * Step 5: takes the idempotency lease under the caller's key (or, without one, the request
 * id), scoped to the user. A live holder finishes within `max_time + idempotencyMarginMs`; the
 * lease lasts twice that so that a duplicate's wait ends (409) before the lease could expire
 * under a slow but living holder. A finished request with the same id stops as `replayed`, a
 * different request under the key as `idempotency_mismatch`, one still running past the wait
 * as `idempotency_in_progress`.
 * @throws what the idempotency store throws.
 */
export async function passIdempotency(
  ports: Pick<PipelinePorts, "config" | "clock" | "idempotencyStore" | "metrics">,
  context: ResolvedContext,
): Promise<GatedContext | Stop> {
  const { requestId, rateLimit } = context;
  const idempotencyKey = scopeIdempotencyKey(
    context.identity.userId,
    context.explicitKey ?? requestId,
  );
  const bound = context.policy.max_time + ports.config.idempotencyMarginMs;
  const leaseMs = 2 * bound;
  const gate = await passIdempotencyGate(ports.idempotencyStore, ports.clock, {
    key: idempotencyKey,
    fingerprint: requestId,
    leaseMs,
    waitMs: bound,
    signal: context.options.signal,
  });
  if (gate.state === "replay") {
    ports.metrics.increment(METRIC_NAMES.idempotentHit);
    return stop({ kind: "replayed", response: gate.record.response, rateLimit });
  }
  if (gate.state === "mismatch")
    return stop({ kind: "idempotency_mismatch", requestId, rateLimit });
  if (gate.state === "in_progress")
    return stop({ kind: "idempotency_in_progress", requestId, rateLimit });
  return Object.assign(context, {
    idempotencyKey,
    leaseToken: gate.leaseToken,
    leasedAt: gate.leasedAt,
    leaseMs,
  });
}
