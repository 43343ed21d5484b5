import type { AuthorizationDecision, Authorizer } from "../ports/authorizer.js";
import type { BusMessage, EventBus, Subscription } from "../ports/event-bus.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import type { Identity } from "../ports/identity.js";
import type { EventsLostNotice, ExecutionEvent } from "../schemas/execution-event.js";
import { eventInScope, latestExecution } from "./execution-event-scope.js";
import { isTerminalExecutionEvent } from "./terminal-events.js";

/** Options of {@link openRelayEvents} and `relay.events`. */
export interface RelayEventsOptions {
  /**
   * Resume after this event id: nothing lost, nothing twice, while the bus retains it; when
   * events after it were lost, the feed starts with an `events_lost` item.
   * @throws InvalidEventIdError (from opening) when the bus could not have issued it.
   */
  lastEventId?: string | undefined;
  /**
   * Follow one execution: the retained events of that request's latest run first (after
   * `lastEventId` when that is one of them), then live ones, and the feed ends after its terminal
   * event. When `lastEventId` is at or after that terminal event, the feed is `alreadyFinished`.
   */
  requestId?: string | undefined;
  /**
   * Follow the caller's own execution started with this idempotency key (the `Idempotency-Key`
   * header or the body's `idempotency_key`), exactly as `requestId` does: a client can subscribe
   * before it sends the request. Other users' executions never match, even for an `admin`.
   */
  idempotencyKey?: string | undefined;
  /** Ends the feed (iteration completes without an `end` item), like `close()`. */
  signal?: AbortSignal | undefined;
  /**
   * Live events waiting for the consumer beyond the replay it asked for; one more and the feed
   * drops them, releases its subscription and ends with `{ kind: "end", reason: "overflow" }`
   * (resume with its `lastEventId`). `Infinity` for a consumer that bounds its own output.
   * @unit events @default 1024
   * @throws RangeError (from opening) when not a positive integer or `Infinity`.
   */
  maxBuffered?: number | undefined;
}

/** Why a feed ended by itself. */
export type RelayEventsEndReason =
  /** The followed execution's terminal event was the item before. */
  | "finished"
  /** `lastEventId` is at or after the followed execution's terminal event: nothing will come. */
  | "already_finished"
  /** The consumer fell more than `maxBuffered` events behind: reopen after `lastEventId`. */
  | "overflow";

/** What a feed yields, in order. */
export type RelayEventItem =
  /** An execution event in scope, with its bus id (resume after it with `lastEventId`). */
  | { kind: "event"; id: string; event: ExecutionEvent }
  /** Events after `lastEventId` were lost to the bus's retention; the oldest retained follow. */
  | { kind: "events_lost"; notice: EventsLostNotice }
  /** The last item: the feed ended by itself. `lastEventId` is the last event yielded. */
  | { kind: "end"; reason: RelayEventsEndReason; lastEventId: string | undefined };

/** An open feed of execution events; `break` (or `close()`) releases its subscription. */
export interface RelayEventStream extends AsyncIterable<RelayEventItem> {
  /**
   * `true` when the followed execution (`requestId` or `idempotencyKey`) ended at or before
   * `lastEventId`: the feed yields only `{ kind: "end", reason: "already_finished" }` (an SSE
   * server answers `204 No Content`). Known when the feed opens.
   */
  readonly alreadyFinished: boolean;
  /** Id of the last event yielded so far. */
  readonly lastEventId: string | undefined;
  /**
   * Items waiting to be read now: right after opening, the replay (and the `events_lost`
   * notice, and the `end` when the replay holds the followed execution's end).
   */
  readonly buffered: number;
  /** Ends the feed: pending and later reads complete, the subscription is released. Idempotent. */
  close(): void;
}

/** The message of the `events_lost` notice. */
export const EVENTS_LOST_MESSAGE =
  "events after this id are older than the relay retains (RELAY_EVENT_RETENTION); the stream continues with the oldest retained event";

/** Default of {@link RelayEventsOptions.maxBuffered}. @unit events */
export const DEFAULT_MAX_BUFFERED_EVENTS = 1024;

/** Thrown by `relay.events` when the authorizer refuses `read_events`. */
export class EventsPermissionDeniedError extends Error {
  override readonly name = "EventsPermissionDeniedError";
  /** The authorizer's reason. */
  readonly reason: string;
  constructor(reason: string) {
    super(`reading events is not permitted: ${reason}`);
    this.reason = reason;
  }
}

/** Thrown by `relay.events` of a relay built without an event bus. */
export class EventsUnavailableError extends Error {
  override readonly name = "EventsUnavailableError";
}

/**
 * Asks the authorizer whether `identity` may read the feed `options` describe: action
 * `read_events` on the execution (`requestId`) or on `*` (all of the caller's executions).
 */
export function authorizeEventRead(
  authorizer: Authorizer,
  identity: Identity,
  options: Pick<RelayEventsOptions, "requestId">,
): Promise<AuthorizationDecision> {
  return authorizer.authorize({
    user_id: identity.userId,
    roles: identity.roles,
    action: "read_events",
    resource: options.requestId ?? "*",
    context: { session_id: identity.sessionId },
  });
}

type EventItem = Extract<RelayEventItem, { kind: "event" }>;

/**
 * Opens a feed of the execution events `identity` may see on `bus` (topic `wasm_exec_events`):
 * its own executions (every user's for an `admin`), narrowed by `requestId` / `idempotencyKey`,
 * resumed after `lastEventId`. Resolves once the replay is known (subscribed); no authorization
 * here (see {@link authorizeEventRead}).
 * @throws InvalidEventIdError when `lastEventId` is malformed for this bus; RangeError for a bad
 *   `maxBuffered`; the bus's own errors when it cannot be read.
 */
export async function openRelayEvents(
  bus: EventBus,
  identity: Identity,
  options: RelayEventsOptions = {},
): Promise<RelayEventStream> {
  const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED_EVENTS;
  if (
    !(
      maxBuffered === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxBuffered) && maxBuffered > 0)
    )
  ) {
    throw new RangeError(`maxBuffered must be a positive integer of events, got ${maxBuffered}`);
  }
  const { lastEventId, requestId, idempotencyKey, signal } = options;
  const scope = { identity, requestId, idempotencyKey };
  // One execution's feed always reads what is retained of it, so that it can start with the
  // latest run, resume inside it by id, and tell a client that saw its end that it is over.
  const followsOne = requestId !== undefined || idempotencyKey !== undefined;

  const queue: RelayEventItem[] = [];
  let head = 0;
  const waiting: ((result: IteratorResult<RelayEventItem>) => void)[] = [];
  let closed = false;
  let ended = false;
  let live = false;
  let allowance = 0;
  let delivered: string | undefined;
  let subscription: Subscription | undefined;
  const early: EventItem[] = [];

  const pending = () => queue.length - head;
  const release = () => {
    subscription?.unsubscribe();
    signal?.removeEventListener("abort", close);
  };
  function close() {
    if (closed) return;
    closed = true;
    release();
    queue.length = 0;
    head = 0;
    for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
  }
  const push = (item: RelayEventItem) => {
    const resolve = waiting.shift();
    if (resolve) {
      if (item.kind === "event") delivered = item.id;
      resolve({ done: false, value: item });
    } else {
      queue.push(item);
    }
  };
  const end = (reason: RelayEventsEndReason) => {
    ended = true;
    release();
    push({ kind: "end", reason, lastEventId: delivered });
  };
  const deliver = (item: EventItem) => {
    if (ended || closed) return;
    if (pending() >= maxBuffered + allowance) {
      // The consumer does not keep up: let go of what waits and say where to resume.
      queue.length = 0;
      head = 0;
      end("overflow");
      return;
    }
    push(item);
    if (followsOne && isTerminalExecutionEvent(item.event)) end("finished");
  };

  if (signal?.aborted) closed = true;
  else {
    signal?.addEventListener("abort", close, { once: true });
    try {
      subscription = await bus.subscribe(
        BUS_TOPICS.executionEvents,
        (message: BusMessage) => {
          if (closed || ended) return;
          const event = eventInScope(message, scope);
          if (!event) return;
          const item: EventItem = { kind: "event", id: message.id, event };
          if (live) deliver(item);
          else early.push(item);
        },
        followsOne ? { fromStart: true } : { afterId: lastEventId },
      );
    } catch (error) {
      signal?.removeEventListener("abort", close);
      throw error;
    }
    // Closed (or aborted) while subscribing: let go at once.
    if (closed) subscription.unsubscribe();
  }

  let alreadyFinished = false;
  if (!closed) {
    let replay = early.splice(0);
    if (followsOne) {
      const run = latestExecution(replay);
      const seen =
        lastEventId === undefined ? -1 : run.findIndex((item) => item.id === lastEventId);
      alreadyFinished = run.slice(0, seen + 1).some((item) => isTerminalExecutionEvent(item.event));
      replay = run.slice(seen + 1);
    } else if (subscription?.gap === true && lastEventId !== undefined) {
      queue.push({
        kind: "events_lost",
        notice: { type: "events_lost", last_event_id: lastEventId, message: EVENTS_LOST_MESSAGE },
      });
    }
    if (alreadyFinished) {
      end("already_finished");
    } else {
      // The replay the consumer asked for may exceed the live bound until it drained once.
      allowance = pending() + replay.length;
      for (const item of replay) deliver(item);
      live = true;
    }
  }

  const iterator: AsyncIterator<RelayEventItem> = {
    next() {
      if (head < queue.length) {
        const item = queue[head] as RelayEventItem;
        head += 1;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
          // Caught up: from now on only `maxBuffered` live events may wait.
          allowance = 0;
        } else if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        if (item.kind === "event") delivered = item.id;
        if (item.kind === "end") {
          closed = true;
          return Promise.resolve({ done: false, value: { ...item, lastEventId: delivered } });
        }
        return Promise.resolve({ done: false, value: item });
      }
      if (closed || ended) {
        closed = true;
        return Promise.resolve({ done: true, value: undefined });
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    return() {
      close();
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const feed: RelayEventStream = {
    get alreadyFinished() {
      return alreadyFinished;
    },
    get lastEventId() {
      return delivered;
    },
    get buffered() {
      return pending();
    },
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
  return feed;
}
