import type { TrackedExecution } from "../../ports/cancellation-registry.js";
import { ExecutionCancelledError } from "../../ports/execution-cancelled-error.js";
import type { RelayOutcome } from "../relay-outcome.js";
import type { GatedContext, PipelinePorts } from "./pipeline-context.js";

/** Metric counted when the cancellation registry could not track or finish an execution. */
export const CANCELLATION_REGISTRY_FAILED_METRIC = "relay.cancellation.registry_failed";

/**
 * Around the run of a gated call: tracks the execution in the cancellation registry, so that a
 * cancel from any relay aborts `options.cancellation` (which the executor's signal follows),
 * and marks it finished when the run ends, so that a later cancel answers `finished` for
 * `idempotencyTtlMs`. A registry that fails costs the call its cancellability, never its run
 * (counted as `relay.cancellation.registry_failed`).
 * @throws what `run` throws.
 */
export async function trackCancellation(
  ports: Pick<PipelinePorts, "config" | "cancellation" | "metrics">,
  context: GatedContext,
  run: () => Promise<RelayOutcome>,
): Promise<RelayOutcome> {
  const controller = new AbortController();
  const bound = context.policy.max_time + ports.config.idempotencyMarginMs;
  let tracked: TrackedExecution | undefined;
  try {
    tracked = await ports.cancellation.track(
      {
        requestId: context.requestId,
        userId: context.identity.userId,
        idempotencyKey: context.explicitKey,
      },
      () => controller.abort(new ExecutionCancelledError(context.requestId)),
      { runningTtlMs: 2 * bound, finishedTtlMs: ports.config.idempotencyTtlMs },
    );
  } catch {
    ports.metrics.increment(CANCELLATION_REGISTRY_FAILED_METRIC, { operation: "track" });
  }
  context.options = {
    ...context.options,
    cancellation: controller.signal,
    signal: eitherSignal(context.options.signal, controller.signal),
  };
  try {
    return await run();
  } finally {
    await tracked?.finish().catch(() => {
      ports.metrics.increment(CANCELLATION_REGISTRY_FAILED_METRIC, { operation: "finish" });
    });
  }
}

/** A signal aborted when either is, with the first one's reason. */
function eitherSignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  if (!first) return second;
  if (first.aborted) return first;
  const controller = new AbortController();
  const forward = (source: AbortSignal) => () => controller.abort(source.reason);
  first.addEventListener("abort", forward(first), { once: true });
  second.addEventListener("abort", forward(second), { once: true });
  return controller.signal;
}
