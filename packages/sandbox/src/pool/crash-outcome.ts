import type { WorkerOutcome } from "./worker-protocol.js";

/** Node's error code when a worker thread reached its V8 heap limit (`resourceLimits`). */
export const WORKER_OUT_OF_MEMORY = "ERR_WORKER_OUT_OF_MEMORY";

/**
 * The result of a task whose worker died before answering: `memory_limit` when the worker ran
 * out of its V8 heap (Node's `ERR_WORKER_OUT_OF_MEMORY`), otherwise `trap`. Never gas: the
 * worker is gone with its counter.
 * @param error the worker's `error` event, or the error made from its unexpected exit
 */
export function crashOutcome(error: Error): WorkerOutcome {
  if ((error as { code?: unknown }).code === WORKER_OUT_OF_MEMORY) {
    return {
      success: false,
      error: {
        code: "memory_limit",
        message: `the sandbox worker ran out of its V8 heap (workerHeapMb): ${error.message}`,
      },
      gasUsed: null,
    };
  }
  return {
    success: false,
    error: { code: "trap", message: `the sandbox worker failed: ${error.message}` },
    gasUsed: null,
  };
}
