import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  type ExecuteResult,
  type ExecutionEvent,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RelayError,
  ResponseValidationError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "@wasm-relay/client";

/** What a failed run's `error.code` means, in words. */
const FAILURE_WORDS: Record<string, string> = {
  timeout: "it ran out of time",
  trap: "it crashed (a WebAssembly trap)",
  gas_exhausted: "it used up its instruction budget",
  memory_limit: "it needed more memory than allowed",
  invalid_module: "the module is not valid WebAssembly",
  invalid_input: "the inputs do not fit the function",
  entry_not_found: "the module has no such function",
  output_too_large: "its output was too large",
  exit: "it exited with an error",
};

/** A result in one sentence. */
export function describeResult(result: ExecuteResult): string {
  if (result.success) return `Output: ${JSON.stringify(result.output)}`;
  const words = FAILURE_WORDS[result.error.code] ?? result.error.code;
  return `The module ran but failed: ${words}. (${result.error.message})`;
}

/** Any error thrown by a run, in words a person can act on. */
export function describeError(error: unknown): string {
  if (ValidationError.isInstance(error)) {
    const details = error.details.map((detail) => `${detail.path}: ${detail.message}`).join("; ");
    return `The relay refused the request: ${details || error.message}.`;
  }
  if (RateLimitError.isInstance(error)) {
    const seconds = error.retryAfter === undefined ? undefined : Math.ceil(error.retryAfter / 1000);
    return seconds === undefined
      ? "Too many runs in a short time: wait a moment and try again."
      : `Too many runs in a short time: try again in ${seconds} s.`;
  }
  if (AuthenticationError.isInstance(error))
    return "The relay does not know who you are: sign in first.";
  if (PermissionDeniedError.isInstance(error)) {
    return `You may not run this module${error.reason ? `: ${error.reason}` : ""}.`;
  }
  if (NotFoundError.isInstance(error)) return "The relay has no such module.";
  if (TimeoutError.isInstance(error)) return "The relay did not answer in time.";
  if (AbortError.isInstance(error)) return "The run was cancelled.";
  if (ConnectionError.isInstance(error)) return "Cannot reach the relay: is the server running?";
  if (ServerError.isInstance(error)) return "The relay had a problem of its own; try again later.";
  if (ResponseValidationError.isInstance(error)) return "The relay answered something unexpected.";
  if (RelayError.isInstance(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** One event as a line of the log. */
export function describeEvent(event: ExecutionEvent): string {
  switch (event.type) {
    case "execution_queued":
      return `queued (position ${event.position})`;
    case "execution_started":
      return `started on ${event.executor_node}`;
    case "execution_progress":
      return `progress ${Math.round(event.progress)} %`;
    case "execution_complete":
      return `complete: ${event.success ? "success" : `failed (${event.error?.code ?? "error"})`} in ${Math.round(event.duration * 10) / 10} ms`;
    case "execution_error":
      return `error: ${event.error.message}`;
  }
}

/**
 * Reads the inputs field: numbers separated by commas or spaces.
 * @throws Error naming the part that is not a number.
 */
export function parseInputs(text: string): number[] {
  const parts = text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  return parts.map((part) => {
    const value = Number(part);
    if (!Number.isFinite(value)) throw new Error(`“${part}” is not a number.`);
    return value;
  });
}
