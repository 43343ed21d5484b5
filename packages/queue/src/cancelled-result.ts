import type { ExecutionResult } from "@wasm-relay/core";

/** The result of an execution cancelled (its signal aborted) before it finished. */
export function cancelledResult(durationMs: number, where: string): ExecutionResult {
  return {
    success: false,
    error: { code: "cancelled", message: `the execution was cancelled ${where}` },
    gasUsed: null,
    durationMs,
  };
}
