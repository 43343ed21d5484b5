import type { BusMessage } from "../ports/event-bus.js";
import type { Identity } from "../ports/identity.js";
import type { ExecutionEvent } from "../schemas/execution-event.js";

/** Who may see which execution events on a feed. */
export interface ExecutionEventScope {
  /** The caller. */
  identity: Identity;
  /** Only this execution, when set (`?request_id=`). */
  requestId?: string | undefined;
  /**
   * Only the caller's own executions started with this idempotency key, when set
   * (`?idempotency_key=`). Keys belong to their caller: even an `admin` sees only their own.
   */
  idempotencyKey?: string | undefined;
}

/** Role that sees every user's executions. */
export const ADMIN_ROLE = "admin";

/**
 * The execution event a bus message (an `ExecutionEventEnvelope` on `wasm_exec_events`) carries,
 * when the scope may see it: the caller's own executions (every user's for an `admin`), only
 * `requestId`'s when set, and only the caller's own with `idempotencyKey` when that is set.
 * `undefined` for other users' events and for malformed messages.
 */
export function eventInScope(
  message: BusMessage,
  scope: ExecutionEventScope,
): ExecutionEvent | undefined {
  const envelope = message.payload as {
    user_id?: unknown;
    idempotency_key?: unknown;
    event?: unknown;
  } | null;
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope))
    return undefined;
  // Someone else's event is the common case on a busy relay: reject it first.
  if (envelope.user_id !== scope.identity.userId) {
    if (scope.idempotencyKey !== undefined) return undefined;
    if (!scope.identity.roles.includes(ADMIN_ROLE)) return undefined;
  }
  if (scope.idempotencyKey !== undefined && envelope.idempotency_key !== scope.idempotencyKey) {
    return undefined;
  }
  const event = envelope.event as Partial<ExecutionEvent> | null | undefined;
  if (typeof event !== "object" || event === null) return undefined;
  if (typeof event.type !== "string" || typeof event.request_id !== "string") return undefined;
  if (scope.requestId !== undefined && event.request_id !== scope.requestId) return undefined;
  return event as ExecutionEvent;
}

/**
 * Of the replayed events of one execution's filter (oldest first), those of its latest run: from
 * its last `execution_queued` on, and of that run's `request_id` only (a request id repeats when
 * the same request runs again after its idempotency record expired; an idempotency key may name
 * a newer request). All of them when no `execution_queued` is retained.
 */
export function latestExecution<T extends { event: ExecutionEvent }>(replayed: T[]): T[] {
  for (let at = replayed.length - 1; at >= 0; at -= 1) {
    const queued = replayed[at];
    if (queued?.event.type === "execution_queued") {
      const requestId = queued.event.request_id;
      return replayed.slice(at).filter((item) => item.event.request_id === requestId);
    }
  }
  return replayed;
}
