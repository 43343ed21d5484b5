import type { TrackedExecution } from "../../ports/cancellation-registry.js";
import { ExecutionCancelledError } from "../../ports/execution-cancelled-error.js";
import type { GatedContext, PipelinePorts } from "./pipeline-context.js";

/** Metric counted when the cancellation registry could not track or finish an execution. */
export const CANCELLATION_REGISTRY_FAILED_METRIC = "relay.cancellation.registry_failed";

/** A gated call's entry in the cancellation registry, under way. */
export interface CancellationTracking {
  /** Resolves once the registry tracks the execution (or failed to: never rejects). */
  readonly tracked: Promise<void>;
  /**
   * Marks the execution finished, after it was tracked (a later cancel answers `finished` for
   * `idempotencyTtlMs`). Idempotent: every call returns the same promise, which never rejects.
   */
  finish(): Promise<void>;
}

/**
 * Starts tracking a gated call in the cancellation registry and sets `options.cancellation`
 * (aborted when a cancel from any relay reaches it) and `options.signal` (which now follows it
 * too) on the context at once. The registry's round trips overlap the rest of the pipeline:
 * the caller awaits `tracked` just before the executor starts, and starts `finish` as the run
 * ends, beside the idempotency record. A registry that fails costs the call its
 * cancellability, never its run (counted as `relay.cancellation.registry_failed`).
 */
export function trackCancellation(
  ports: Pick<PipelinePorts, "config" | "cancellation" | "metrics">,
  context: GatedContext,
): CancellationTracking {
  // One controller serves the run's signal: the caller's signal (a closed connection) and a
  // cancel both abort it; the flag tells a cancel apart.
  const cancelled = { aborted: false };
  const controller = new AbortController();
  const callerSignal = context.options.signal;
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else
    callerSignal?.addEventListener("abort", () => controller.abort(callerSignal.reason), {
      once: true,
    });
  const bound = context.policy.max_time + ports.config.idempotencyMarginMs;
  let handle: TrackedExecution | undefined;
  const tracked = ports.cancellation
    .track(
      {
        requestId: context.requestId,
        userId: context.identity.userId,
        idempotencyKey: context.explicitKey,
      },
      () => {
        cancelled.aborted = true;
        controller.abort(new ExecutionCancelledError(context.requestId));
      },
      { runningTtlMs: 2 * bound, finishedTtlMs: ports.config.idempotencyTtlMs },
    )
    .then(
      (registered) => {
        handle = registered;
      },
      () => {
        ports.metrics.increment(CANCELLATION_REGISTRY_FAILED_METRIC, { operation: "track" });
      },
    );
  context.options = { ...context.options, cancellation: cancelled, signal: controller.signal };
  let finished: Promise<void> | undefined;
  return {
    tracked,
    finish() {
      finished ??= tracked.then(() =>
        handle?.finish().catch(() => {
          ports.metrics.increment(CANCELLATION_REGISTRY_FAILED_METRIC, { operation: "finish" });
        }),
      );
      return finished;
    },
  };
}
