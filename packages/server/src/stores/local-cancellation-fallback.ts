import {
  type CancellationRegistry,
  createMemoryCancellationRegistry,
  type TrackedExecution,
} from "@wasm-relay/core";

/** Options of {@link withLocalCancellationFallback}. */
export interface LocalCancellationFallbackOptions {
  /** The registry every relay shares (Redis). */
  shared: CancellationRegistry;
  /** This relay's own registry. @default a memory registry */
  local?: CancellationRegistry | undefined;
  /** Told each time the shared registry could not track an execution (Redis down). */
  onSharedFailure?: ((error: unknown) => void) | undefined;
}

/**
 * A {@link CancellationRegistry} that tracks every execution in this relay's own registry as
 * well as in the shared one, so that a cancel arriving here still reaches an execution running
 * here while Redis is down (as the stores fall back to memory: cancellation then holds per
 * instance). A cancel asks the shared registry; when it fails, or finds nothing, this relay's
 * own executions answer. A shared failure with nothing here is thrown on (the route answers 503).
 * The listener of an execution is called at most once, whichever registry calls it.
 */
export function withLocalCancellationFallback(
  options: LocalCancellationFallbackOptions,
): CancellationRegistry {
  const { shared } = options;
  const local = options.local ?? createMemoryCancellationRegistry();
  return {
    async track(execution, onCancel, trackOptions) {
      let called = false;
      const once = () => {
        if (called) return;
        called = true;
        onCancel();
      };
      const here = await local.track(execution, once, trackOptions);
      let there: TrackedExecution | undefined;
      try {
        there = await shared.track(execution, once, trackOptions);
      } catch (error) {
        options.onSharedFailure?.(error);
      }
      return {
        async finish() {
          await here.finish();
          await there?.finish();
        },
      };
    },
    async cancel(request) {
      let answer: Awaited<ReturnType<CancellationRegistry["cancel"]>>;
      try {
        answer = await shared.cancel(request);
      } catch (error) {
        const here = await local.cancel(request);
        if (here.state !== "unknown") return here;
        throw error;
      }
      if (answer.state !== "unknown") return answer;
      // Tracked here only (the shared registry was down when it started).
      return local.cancel(request);
    },
  };
}
