import type { ServerResponse } from "node:http";
import type {
  Authorizer,
  EventBus,
  ExecutionEvent,
  RelayEventItem,
  RelayEventStream,
} from "@wasm-relay/core";
import { authorizeEventRead, InvalidEventIdError, openRelayEvents } from "@wasm-relay/core";
import {
  encodeSseComment,
  encodeSseMessage,
  encodeSseRetry,
  SSE_EVENTS_LOST_EVENT,
} from "@wasm-relay/core/sse";
import { permissionDeniedProblem } from "../authorization/require-permission.js";
import { eventStreamHeaders } from "../http/event-stream-headers.js";
import { httpProblem } from "../http/http-problem.js";
import type { RouteHandler } from "../http/route-table.js";
import type { Authenticator } from "../identity/authenticator.js";

/** Tunables of the event stream. */
export interface EventStreamOptions {
  /** Where execution events (`wasm_exec_events`) come from. */
  bus: EventBus;
  /** Who the caller is: they see their own executions, an `admin` sees all. */
  authenticator: Authenticator;
  /**
   * "Antigone", asked for `read_events` on the execution (`request_id`) or on `*` (all of the
   * caller's executions). @default none: every authenticated caller may read its own events
   */
  authorizer?: Authorizer | undefined;
  /** Interval of `: heartbeat` comments. @unit milliseconds @default 15000 */
  heartbeatMs?: number;
  /** Reconnection hint sent as `retry:`. @unit milliseconds @default 2000 */
  retryMs?: number;
  /**
   * A client whose unsent output passes this (beyond the replay it asked for) is dropped: it
   * reconnects with `Last-Event-ID` and resumes from the bus's retention. @unit bytes @default 262144
   */
  maxBufferedBytes?: number;
  /** Registry of open streams, so that shutdown can end them (each entry ends one stream). */
  openStreams: Set<() => void>;
  /**
   * Whether the server is shutting down: a stream whose subscription completes after shutdown
   * ended the registered ones is refused (503) rather than left open. @default never
   */
  isClosing?: () => boolean;
}

const LONGEST_ID = 200;

/**
 * `GET /intent/execute-wasm/events`: Server-Sent Events of the caller's own executions (an
 * `admin` sees all), each with an `id:`. The semantics are core's event feed
 * (`openRelayEvents`); this handler writes it in the SSE wire format.
 *
 * - `Last-Event-ID` (header, or `last_event_id` query) resumes after that event with no loss and
 *   no duplicates while the bus retains it; when events after it were lost, an `events_lost`
 *   event says so first.
 * - `?request_id=` narrows to one execution and ends after its terminal event. It starts with
 *   the retained events of that request's latest run (after `Last-Event-ID` when that is one of
 *   them), so a subscriber that comes late still sees it through to the end; a client that
 *   already saw the terminal event gets `204 No Content` (an EventSource then stops).
 * - `?idempotency_key=` does the same for the caller's own execution sent with that idempotency
 *   key, so a client can subscribe before it sends the request and follow exactly that one.
 * - `retry:` hint, `: heartbeat` comments, `Cache-Control: no-cache`, `X-Accel-Buffering: no`.
 * - A client that does not read is dropped once `maxBufferedBytes` are waiting for it.
 * - `HEAD` answers the stream's headers (after authentication and authorization) and ends:
 *   it subscribes to nothing.
 * @throws HttpProblem 400 for a malformed `Last-Event-ID`, `request_id` or `idempotency_key`,
 *   503 when the bus cannot be read; the authenticator's problems (401) as they come.
 */
export function eventsRoute(options: EventStreamOptions): RouteHandler {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
  // One timer for every open stream of this route rather than one per client.
  const heartbeats = new Set<() => void>();
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  const startHeartbeat = (beat: () => void) => {
    heartbeats.add(beat);
    if (!heartbeatTimer) {
      heartbeatTimer = setInterval(() => {
        for (const each of [...heartbeats]) each();
      }, heartbeatMs);
      heartbeatTimer.unref();
    }
  };
  const stopHeartbeat = (beat: () => void) => {
    heartbeats.delete(beat);
    if (heartbeats.size === 0 && heartbeatTimer) {
      clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
    }
  };
  // The bus hands the same event object to every feed: encode it once, not per client.
  const encoded = new WeakMap<ExecutionEvent, string>();
  const wireForm = (item: RelayEventItem): string => {
    if (item.kind === "events_lost") {
      return encodeSseMessage({ event: SSE_EVENTS_LOST_EVENT, data: JSON.stringify(item.notice) });
    }
    if (item.kind === "end") return "";
    let chunk = encoded.get(item.event);
    if (chunk === undefined) {
      chunk = encodeSseMessage({ id: item.id, data: JSON.stringify(item.event) });
      encoded.set(item.event, chunk);
    }
    return chunk;
  };

  return async ({ request, response, url }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const requestId = textParameter(url.searchParams.get("request_id"), "request_id");
    const idempotencyKey = textParameter(
      url.searchParams.get("idempotency_key"),
      "idempotency_key",
    );
    if (options.authorizer) {
      const decision = await authorizeEventRead(options.authorizer, identity, { requestId });
      if (!decision.allowed) throw permissionDeniedProblem(decision);
    }
    if (request.method === "HEAD") {
      // The headers a GET would get, and no stream: nothing is subscribed or kept open.
      response.writeHead(200, eventStreamHeaders).end();
      return;
    }
    const lastHeader = request.headers["last-event-id"];
    const lastEventId =
      textParameter(Array.isArray(lastHeader) ? lastHeader[0] : lastHeader, "Last-Event-ID") ??
      textParameter(url.searchParams.get("last_event_id"), "last_event_id");

    let finished = false;
    let live = false;
    let allowance = 0;
    let feed: RelayEventStream | undefined;

    const beat = () => {
      if (live) send(encodeSseComment("heartbeat"));
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      feed?.close();
      stopHeartbeat(beat);
      options.openStreams.delete(finish);
      response.off("close", finish);
      if (!response.destroyed && response.headersSent) response.end();
    };
    /** Writes a chunk; drops the client when too much waits for it. */
    const send = (chunk: string) => {
      if (finished) return;
      response.write(chunk);
      if (response.writableLength > maxBufferedBytes + allowance) {
        response.destroy();
        finish();
      }
    };
    /** Writes one item of the feed; `false` once the stream is over. */
    const write = (item: RelayEventItem): boolean => {
      if (item.kind === "end") {
        // "overflow" cannot happen (this handler reads the feed as it comes and bounds the
        // socket's unsent bytes itself); were it to, the client reconnects with its last id.
        if (item.reason === "overflow") response.destroy();
        finish();
        return false;
      }
      send(wireForm(item));
      return !finished;
    };
    response.on("close", finish);

    try {
      feed = await openRelayEvents(options.bus, identity, {
        lastEventId,
        requestId,
        idempotencyKey,
        // This handler bounds the bytes waiting on the socket instead (RELAY_EVENT_BUFFER).
        maxBuffered: Number.POSITIVE_INFINITY,
      });
    } catch (error) {
      finish();
      if (error instanceof InvalidEventIdError) {
        throw httpProblem(400, "invalid-last-event-id", "Last-Event-ID is not an event id", {
          detail: `${error.message}; reconnect without it to start from now`,
        });
      }
      throw httpProblem(503, "events-unavailable", "The event bus cannot be read", {
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    if (finished) {
      // The client went away while the subscription was being set up.
      feed.close();
      return;
    }
    if (options.isClosing?.()) {
      finish();
      throw httpProblem(503, "shutting-down", "The server is shutting down", {
        detail: "reconnect (with Last-Event-ID) to another instance or after the restart",
      });
    }
    if (feed.alreadyFinished) {
      // The client saw this execution end: 204 tells an EventSource not to reconnect.
      finish();
      response.writeHead(204, { "Cache-Control": "no-cache" }).end();
      return;
    }

    response.writeHead(200, eventStreamHeaders);
    response.write(encodeSseComment("wasm-relay execution events"));
    response.write(encodeSseRetry(retryMs));
    const items = feed[Symbol.asyncIterator]();
    // The replay the client asked for may exceed the live buffer bound until it drained once.
    for (let replayed = feed.buffered; replayed > 0 && !finished; replayed -= 1) {
      const next = await items.next();
      if (next.done) break;
      allowance += Buffer.byteLength(wireForm(next.value));
      if (!write(next.value)) break;
    }
    if (finished) return;
    if (response.writableNeedDrain) {
      response.once("drain", () => {
        allowance = 0;
      });
    } else {
      allowance = 0;
    }
    live = true;
    options.openStreams.add(finish);
    startHeartbeat(beat);
    keepOpen(response);
    // Live events, as they come, until the feed ends or the client goes away.
    void (async () => {
      try {
        for (;;) {
          const next = await items.next();
          if (next.done || !write(next.value)) break;
        }
      } finally {
        finish();
      }
    })();
  };
}

/** SSE responses stay open: no socket timeout closes an idle stream between heartbeats. */
function keepOpen(response: ServerResponse): void {
  response.socket?.setTimeout(0);
  response.socket?.setKeepAlive(true);
}

function textParameter(value: string | null | undefined, name: string): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (value.length > LONGEST_ID) {
    throw httpProblem(400, "invalid-event-query", `${name} is too long`, {
      detail: `${name} must be at most ${LONGEST_ID} characters`,
    });
  }
  return value;
}
