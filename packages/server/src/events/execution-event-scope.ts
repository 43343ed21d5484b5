import type { BusMessage, ExecutionEvent, Identity } from "@wasm-relay/core";

/** Who may see which execution events on a stream. */
export interface ExecutionEventScope {
  /** The caller. */
  identity: Identity;
  /** Only this execution, when set (`?request_id=`). */
  requestId?: string | undefined;
}

/** Role that sees every user's executions. */
export const ADMIN_ROLE = "admin";

/**
 * The execution event a bus message (an `ExecutionEventEnvelope` on `wasm_exec_events`) carries,
 * when the scope may see it: the caller's own executions (every user's for an `admin`), and only
 * `requestId`'s when set. `undefined` for other users' events and for malformed messages.
 */
export function eventInScope(
  message: BusMessage,
  scope: ExecutionEventScope,
): ExecutionEvent | undefined {
  const envelope = message.payload as { user_id?: unknown; event?: unknown } | null;
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope))
    return undefined;
  // Someone else's event is the common case on a busy relay: reject it first.
  if (envelope.user_id !== scope.identity.userId && !scope.identity.roles.includes(ADMIN_ROLE)) {
    return undefined;
  }
  const event = envelope.event as Partial<ExecutionEvent> | null | undefined;
  if (typeof event !== "object" || event === null) return undefined;
  if (typeof event.type !== "string" || typeof event.request_id !== "string") return undefined;
  if (scope.requestId !== undefined && event.request_id !== scope.requestId) return undefined;
  return event as ExecutionEvent;
}

/** Types after which an execution has no further events. */
export const TERMINAL_EXECUTION_EVENTS: ReadonlySet<string> = new Set([
  "execution_complete",
  "execution_error",
]);

/**
 * Of the replayed events of one request id (oldest first), those of its latest execution: from
 * its last `execution_queued` on (a request id repeats when the same request runs again after
 * its idempotency record expired). All of them when no `execution_queued` is retained.
 */
export function latestExecution<T extends { event: ExecutionEvent }>(replayed: T[]): T[] {
  for (let at = replayed.length - 1; at >= 0; at -= 1) {
    if (replayed[at]?.event.type === "execution_queued") return replayed.slice(at);
  }
  return replayed;
}
