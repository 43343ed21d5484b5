import type { EventsLostNotice, ExecutionEvent } from "@wasm-relay/core";
import {
  SSE_CONTENT_TYPE,
  SSE_EVENTS_LOST_EVENT,
  type SseMessage,
  TERMINAL_EXECUTION_EVENT_TYPES,
} from "@wasm-relay/core/sse";
import { RelayError } from "../errors/relay-error.js";
import {
  ConnectionError,
  ResponseValidationError,
  TimeoutError,
} from "../errors/transport-errors.js";
import { backoffDelay } from "../retry/backoff.js";
import { isRetryable } from "../retry/retry-policy.js";
import { abortableSleep } from "../transport/abortable-sleep.js";
import type { HttpTransport } from "../transport/http-transport.js";
import type { ResponseValidator } from "../validation/response-validator.js";
import { readSseMessages } from "./read-sse-messages.js";

/** Options of `client.events(...)`. */
export interface EventsOptions {
  /** Only the events of this execution; the stream ends after its terminal event. */
  requestId?: string | undefined;
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string | undefined;
  /** Stops the stream: iteration then ends without an error. */
  signal?: AbortSignal | undefined;
  /** How lost connections are re-established. */
  reconnect?: ReconnectOptions | undefined;
  /** Called each time a connection is open (the first one and every reconnection). */
  onOpen?: (() => void) | undefined;
  /**
   * Called when the relay says that events after `lastEventId` were lost (older than it
   * retains): the stream goes on with the oldest event it still has.
   */
  onEventsLost?: ((notice: EventsLostNotice) => void) | undefined;
}

/** Reconnection of an event stream. */
export interface ReconnectOptions {
  /**
   * Consecutive failed connections tolerated before the iteration throws the last error.
   * A connection that delivers an event, or stays open 30 s, resets the count. @default Infinity
   */
  maxAttempts?: number | undefined;
  /** First delay; later ones double. @unit milliseconds @default the server's `retry:` hint, else 1000 */
  initialDelay?: number | undefined;
  /** Upper bound of the delay. @unit milliseconds @default 30000 */
  maxDelay?: number | undefined;
}

/** The events of the caller's executions, as an async iterable; `break` closes the connection. */
export interface ExecutionEventStream extends AsyncIterable<ExecutionEvent> {
  /** Id of the last event received: pass it as `lastEventId` to resume later. */
  readonly lastEventId: string | undefined;
}

/** Event types after which an execution has no more events (core's one definition). */
export const TERMINAL_EVENT_TYPES: ReadonlySet<ExecutionEvent["type"]> =
  TERMINAL_EXECUTION_EVENT_TYPES;

const EVENTS_PATH = "intent/execute-wasm/events";
/** A connection open this long before it ended resets the failure count. @unit milliseconds */
const HEALTHY_CONNECTION = 30_000;

/**
 * Opens `GET /intent/execute-wasm/events` and yields its execution events, reconnecting with
 * backoff and `Last-Event-ID` after the connection drops. Connection attempts that fail with
 * 400, 401, 403, 404 or 422 are not retried: the iteration throws that error.
 * @param timeout bound of each connection attempt (not of the stream). @unit milliseconds
 */
export function streamEvents(
  transport: HttpTransport,
  validator: ResponseValidator | undefined,
  timeout: number,
  options: EventsOptions = {},
): ExecutionEventStream {
  let lastEventId = options.lastEventId;
  let iterator: AsyncGenerator<ExecutionEvent, void, undefined> | undefined;

  async function* iterate(): AsyncGenerator<ExecutionEvent, void, undefined> {
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    const maxAttempts = options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    let retryHint = 1000;
    let failures = 0;
    const delayFor = (error: unknown) => {
      if (RelayError.isInstance(error) && error.retryAfter !== undefined) return error.retryAfter;
      return backoffDelay(failures, {
        initialDelay: options.reconnect?.initialDelay ?? retryHint,
        maxDelay: options.reconnect?.maxDelay ?? 30_000,
      });
    };
    try {
      for (;;) {
        let failure: unknown;
        let openedAt: number | undefined;
        try {
          const response = await transport.open({
            method: "GET",
            path: EVENTS_PATH,
            searchParams: options.requestId ? { request_id: options.requestId } : undefined,
            headers: {
              accept: SSE_CONTENT_TYPE,
              ...(lastEventId !== undefined ? { "last-event-id": lastEventId } : {}),
            },
            signal,
            timeout,
          });
          if (!response.headers.get("content-type")?.includes(SSE_CONTENT_TYPE) || !response.body) {
            response.body?.cancel().catch(() => undefined);
            throw new ResponseValidationError(
              `the event stream answered ${response.status} without a ${SSE_CONTENT_TYPE} body`,
              { status: response.status, headers: response.headers },
            );
          }
          openedAt = Date.now();
          options.onOpen?.();
          const messages = readSseMessages(
            response.body,
            (hint) => {
              retryHint = hint;
            },
            signal,
          );
          for await (const message of messages) {
            if (message.id !== undefined) lastEventId = message.id;
            if (message.event === SSE_EVENTS_LOST_EVENT) {
              options.onEventsLost?.(toEventsLostNotice(message));
              continue;
            }
            const event = toExecutionEvent(message, validator);
            if (event === undefined) continue;
            failures = 0;
            yield event;
            if (options.requestId !== undefined && TERMINAL_EVENT_TYPES.has(event.type)) return;
          }
          if (signal.aborted) return;
        } catch (error) {
          if (signal.aborted) return;
          if (
            RelayError.isInstance(error) &&
            !isRetryable(error) &&
            !TimeoutError.isInstance(error)
          ) {
            throw error;
          }
          failure = RelayError.isInstance(error)
            ? error
            : new ConnectionError(`the event stream broke: ${String(error)}`, { cause: error });
        }
        // The connection ended or failed: reconnect, unless that has failed too often. A
        // connection that stayed open a good while (heartbeats only) counts as a success.
        if (openedAt !== undefined && Date.now() - openedAt >= HEALTHY_CONNECTION) failures = 0;
        failures += 1;
        if (failures > maxAttempts) {
          throw (
            failure ?? new ResponseValidationError("the event stream kept closing without events")
          );
        }
        try {
          await abortableSleep(delayFor(failure), signal);
        } catch {
          return;
        }
      }
    } finally {
      controller.abort();
    }
  }

  return {
    get lastEventId() {
      return lastEventId;
    },
    [Symbol.asyncIterator]() {
      iterator ??= iterate();
      return iterator;
    },
  };
}

function toEventsLostNotice(message: SseMessage): EventsLostNotice {
  try {
    const notice = JSON.parse(message.data) as Partial<EventsLostNotice>;
    if (typeof notice.last_event_id === "string") {
      return {
        type: "events_lost",
        last_event_id: notice.last_event_id,
        message: typeof notice.message === "string" ? notice.message : "events were lost",
      };
    }
  } catch {}
  throw new ResponseValidationError("an events_lost notice lacks `last_event_id`");
}

/**
 * The execution event a message carries, `undefined` for messages that are not execution
 * events (named events other than `message`).
 * @throws ResponseValidationError when the data is not an execution event.
 */
function toExecutionEvent(
  message: SseMessage,
  validator: ResponseValidator | undefined,
): ExecutionEvent | undefined {
  if (message.event !== undefined && message.event !== "message") return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch (error) {
    throw new ResponseValidationError("an event's data is not JSON", { cause: error });
  }
  if (validator) return validator.validate("executionEvent", data);
  const candidate = data as Partial<ExecutionEvent> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.type !== "string" ||
    typeof candidate.request_id !== "string"
  ) {
    throw new ResponseValidationError("an event lacks its `type` or `request_id`");
  }
  return candidate as ExecutionEvent;
}
