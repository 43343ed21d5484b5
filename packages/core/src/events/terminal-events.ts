import type { ExecutionEvent, ExecutionEventType } from "../schemas/execution-event.js";

/**
 * The event types after which an execution has no further events: `execution_complete` and
 * `execution_error`. The one definition the server's stream, core's event feed and the client
 * all use.
 */
export const TERMINAL_EXECUTION_EVENT_TYPES: ReadonlySet<ExecutionEventType> =
  new Set<ExecutionEventType>(["execution_complete", "execution_error"]);

/** Whether `event` is the last event of its execution (see {@link TERMINAL_EXECUTION_EVENT_TYPES}). */
export function isTerminalExecutionEvent(event: Pick<ExecutionEvent, "type">): boolean {
  return TERMINAL_EXECUTION_EVENT_TYPES.has(event.type);
}
