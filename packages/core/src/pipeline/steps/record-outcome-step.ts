import type { RelayOutcome } from "../relay-outcome.js";
import type { GatedContext, PipelinePorts } from "./pipeline-context.js";

/**
 * The last step, around the run of a gated call: records an executed outcome under the
 * idempotency key (for `idempotencyTtlMs`) so that duplicates replay it, and releases the
 * lease for any other outcome, for a cancelled execution (a later identical request runs
 * afresh) or when the run throws (the error is thrown on).
 * @throws what `run` throws, and what the store throws while recording.
 */
export async function recordOutcome(
  ports: Pick<PipelinePorts, "config" | "idempotencyStore">,
  context: GatedContext,
  run: () => Promise<RelayOutcome>,
): Promise<RelayOutcome> {
  const { idempotencyStore } = ports;
  const { idempotencyKey, leaseToken } = context;
  try {
    const outcome = await run();
    if (outcome.kind === "executed" && !isCancelled(outcome)) {
      await idempotencyStore.complete(
        idempotencyKey,
        leaseToken,
        { fingerprint: context.requestId, response: outcome.response },
        ports.config.idempotencyTtlMs,
      );
    } else {
      await idempotencyStore.release(idempotencyKey, leaseToken);
    }
    return outcome;
  } catch (error) {
    await idempotencyStore.release(idempotencyKey, leaseToken).catch(() => undefined);
    throw error;
  }
}

function isCancelled(outcome: RelayOutcome & { kind: "executed" }): boolean {
  return outcome.response.success === false && outcome.response.error?.code === "cancelled";
}
