import type { IncomingHttpHeaders } from "node:http";
import type {
  ClientEnvelope,
  Identity,
  Problem,
  Relay,
  RelayEventStream,
  ServerMessage,
} from "@wasm-relay/core";
import {
  EventsPermissionDeniedError,
  EventsUnavailableError,
  InvalidEventIdError,
  outcomeToHttp,
  problemDocument,
  WEBSOCKET_CLOSE_CODES,
} from "@wasm-relay/core";
import type { WebSocket } from "ws";
import { HttpProblem } from "../http/http-problem.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import type { Authenticator } from "../identity/authenticator.js";
import { credentialHeaders } from "./credential-headers.js";
import { closeReason, parseClientMessage } from "./parse-client-message.js";
import type { WebSocketMetrics } from "./websocket-metrics.js";

/** What one connection is served with. */
export interface WebSocketConnectionOptions {
  relay: Relay;
  authenticator: Authenticator;
  metrics: WebSocketMetrics;
  /** `RELAY_WS_INIT_TIMEOUT`. @unit milliseconds */
  initTimeoutMs: number;
  /** `RELAY_WS_MAX_IN_FLIGHT`. */
  maxInFlight: number;
  /** `RELAY_WS_BUFFER`. @unit bytes */
  maxBufferedBytes: number;
  /** Receives unexpected errors. */
  log(message: string): void;
}

/** The endpoint's handle of one connection. */
export interface WebSocketConnection {
  /** Whether the peer answered since the last heartbeat (then re-armed). */
  beat(): boolean;
  /**
   * Since when the connection has been over `RELAY_WS_BUFFER` (epoch ms), if it is. Asked
   * periodically by the endpoint; once the connection is back under the bound, every operation
   * that lost events is sent its `events_lost` notice.
   */
  overBoundSince(): number | undefined;
  /**
   * Shutdown: new operations are refused (503 `shutting-down`), subscriptions complete, and once
   * every execution in flight has its answer the connection closes with 1001.
   * @returns when the close frame was sent.
   */
  shutdown(): Promise<void>;
  /** Stops waiting: executions in flight are aborted (each answers 503 `shutting-down`). */
  abandon(): void;
}

type ExecuteOperation = {
  kind: "execute";
  id: string;
  controller: AbortController;
  idempotencyKey: string | undefined;
  requestId: string | undefined;
  cancelRequested: boolean;
  /** A cancel is under way (one loop per execution, however many `cancel`s arrive). */
  cancelling: boolean;
  /** Last event id delivered to the client; events were dropped after it when `lost`. */
  lastEventId: string | undefined;
  lost: boolean;
};
type SubscribeOperation = {
  kind: "subscribe";
  id: string;
  feed: RelayEventStream | undefined;
  ended: boolean;
  lastEventId: string | undefined;
  lost: boolean;
};
type Operation = ExecuteOperation | SubscribeOperation;

/** How often a cancel that found nothing tracked yet is tried again, and how many times. */
const CANCEL_RETRY_MS = 25;
const CANCEL_ATTEMPTS = 80;

/**
 * Serves the relay's WebSocket protocol on one connection (see docs/websocket.md): the
 * `connection_init` handshake, then `execute`, `cancel`, `subscribe`, `unsubscribe` and `ping`,
 * each through the same pipeline as HTTP (`relay.execute`, `relay.events`, `relay.cancel`).
 */
export function serveWebSocketConnection(
  socket: WebSocket,
  upgradeHeaders: IncomingHttpHeaders,
  options: WebSocketConnectionOptions,
): WebSocketConnection {
  const operations = new Map<string, Operation>();
  const byRequestId = new Map<string, Set<ExecuteOperation>>();
  let phase: "awaiting_init" | "authenticating" | "ready" | "closed" = "awaiting_init";
  let identity: Identity | undefined;
  let alive = true;
  let overSince: number | undefined;
  let shuttingDown = false;
  let shutdownDone: (() => void) | undefined;
  const early: ClientEnvelope[] = [];
  let executionFeed: Promise<RelayEventStream | undefined> | undefined;

  const initTimer = setTimeout(() => {
    if (phase === "awaiting_init" || phase === "authenticating") {
      close(WEBSOCKET_CLOSE_CODES.initTimeout, "connection_init not received in time");
    }
  }, options.initTimeoutMs);

  function close(code: number, reason: string) {
    if (phase === "closed") return;
    socket.close(code, closeReason(reason));
    ended();
  }

  /** Everything the connection holds is released; its executions are cancelled or let run. */
  function ended() {
    if (phase === "closed") return;
    phase = "closed";
    clearTimeout(initTimer);
    void executionFeed?.then((feed) => feed?.close());
    for (const operation of operations.values()) {
      if (operation.kind === "subscribe") {
        operation.ended = true;
        operation.feed?.close();
      } else if (operation.idempotencyKey === undefined) {
        // Nobody will read its answer and nothing could replay it: stop it.
        void cancelExecution(operation);
      }
    }
    shutdownDone?.();
  }

  const send = (message: ServerMessage) => {
    if (phase === "closed" || socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
    noteBuffer();
  };
  const noteBuffer = () => {
    if (socket.bufferedAmount > options.maxBufferedBytes) overSince ??= Date.now();
    else overSince = undefined;
  };

  /** Sends an event of `operation`, or drops it (noting the loss) while over the bound. */
  const sendEvent = (
    operation: Operation,
    event: Extract<ServerMessage, { type: "event" }>["event"],
    eventId: string | undefined,
  ) => {
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      operation.lost = true;
      options.metrics.eventDropped();
      noteBuffer();
      return;
    }
    flushLoss(operation);
    send({ type: "event", id: operation.id, event, ...(eventId ? { event_id: eventId } : {}) });
    if (eventId) operation.lastEventId = eventId;
  };
  const flushLoss = (operation: Operation) => {
    if (!operation.lost) return;
    operation.lost = false;
    send({
      type: "event",
      id: operation.id,
      event: {
        type: "events_lost",
        last_event_id: operation.lastEventId ?? "",
        message: `events after this id were dropped: this connection fell more than RELAY_WS_BUFFER (${options.maxBufferedBytes}) bytes behind; results are never dropped`,
      },
    });
  };

  const finishOperation = (operation: Operation) => {
    if (operations.get(operation.id) === operation) operations.delete(operation.id);
    if (operation.kind === "execute" && operation.requestId) {
      const set = byRequestId.get(operation.requestId);
      set?.delete(operation);
      if (set?.size === 0) byRequestId.delete(operation.requestId);
    }
    if (shuttingDown && executionsInFlight() === 0) closeForShutdown();
  };
  const executionsInFlight = () => {
    let count = 0;
    for (const operation of operations.values()) if (operation.kind === "execute") count += 1;
    return count;
  };
  const closeForShutdown = () => close(WEBSOCKET_CLOSE_CODES.goingAway, "server shutting down");

  /** The caller's own event feed, opened once, from which each execution's events are routed. */
  const openExecutionFeed = (): Promise<RelayEventStream | undefined> => {
    executionFeed ??= (async () => {
      let feed: RelayEventStream;
      try {
        feed = await options.relay.events(identity as Identity, {
          maxBuffered: Number.POSITIVE_INFINITY,
        });
      } catch (error) {
        // No bus, or `read_events` refused: executions are answered without their events.
        if (
          !(error instanceof EventsPermissionDeniedError || error instanceof EventsUnavailableError)
        ) {
          options.log(`warning: WebSocket execution events unavailable: ${describe(error)}`);
        }
        return undefined;
      }
      if (phase === "closed") {
        feed.close();
        return undefined;
      }
      void (async () => {
        for await (const item of feed) {
          if (item.kind !== "event") continue;
          const targets = byRequestId.get(item.event.request_id);
          if (!targets) continue;
          for (const operation of targets) sendEvent(operation, item.event, item.id);
        }
      })();
      return feed;
    })();
    return executionFeed;
  };

  async function cancelExecution(operation: ExecuteOperation): Promise<void> {
    const id = operation.requestId ?? operation.idempotencyKey;
    if (id === undefined) {
      // Not resolved yet: cancelled as soon as its request id is known.
      operation.cancelRequested = true;
      return;
    }
    if (operation.cancelling) return;
    operation.cancelling = true;
    for (let attempt = 0; attempt < CANCEL_ATTEMPTS; attempt += 1) {
      if (operations.get(operation.id) !== operation) return;
      try {
        const outcome = await options.relay.cancel(identity as Identity, id);
        // `not_found`: between resolution and the idempotency gate the run is not tracked yet.
        if (outcome.kind !== "not_found") return;
      } catch (error) {
        options.log(`warning: WebSocket cancel of ${id}: ${describe(error)}`);
        operation.controller.abort(new Error("cancelled; the cancellation registry failed"));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, CANCEL_RETRY_MS));
    }
  }

  async function runExecute(operation: ExecuteOperation, request: unknown) {
    try {
      await openExecutionFeed();
      const outcome = await options.relay.execute(request, identity as Identity, {
        signal: operation.controller.signal,
        onRequestId: (requestId) => {
          operation.requestId = requestId;
          const set = byRequestId.get(requestId) ?? new Set<ExecuteOperation>();
          byRequestId.set(requestId, set);
          set.add(operation);
          if (operation.cancelRequested) void cancelExecution(operation);
        },
      });
      const answer = outcomeToHttp(outcome, options.relay.config.rateLimit.windowMs);
      flushLoss(operation);
      if (answer.status === 200 && (outcome.kind === "executed" || outcome.kind === "replayed")) {
        send({
          type: "result",
          id: operation.id,
          response: outcome.response,
          replayed: outcome.kind === "replayed",
        });
      } else {
        send({ type: "error", id: operation.id, problem: answer.body as Problem });
      }
    } catch (error) {
      send({ type: "error", id: operation.id, problem: problemOf(error, operation) });
    } finally {
      finishOperation(operation);
    }
  }

  const problemOf = (error: unknown, operation: ExecuteOperation): Problem => {
    if (operation.controller.signal.aborted) return shuttingDownProblem().problem;
    if (error instanceof HttpProblem) return error.problem;
    options.log(`error: WebSocket execute ${operation.id}: ${describe(error)}`);
    return problemDocument(500, "internal-error", "Internal server error", {
      detail: "the execution failed unexpectedly; it may be retried",
    });
  };

  async function runSubscribe(
    operation: SubscribeOperation,
    message: Extract<ClientEnvelope, { type: "subscribe" }>,
  ) {
    let failed = false;
    try {
      operation.feed = await options.relay.events(identity as Identity, {
        requestId: message.request_id,
        idempotencyKey: message.idempotency_key,
        lastEventId: message.last_event_id,
        maxBuffered: Number.POSITIVE_INFINITY,
      });
      if (operation.ended) {
        operation.feed.close();
        return;
      }
      for await (const item of operation.feed) {
        if (item.kind === "event") sendEvent(operation, item.event, item.id);
        else if (item.kind === "events_lost") sendEvent(operation, item.notice, undefined);
        else break;
      }
    } catch (error) {
      failed = true;
      send({ type: "error", id: operation.id, problem: subscribeProblem(error) });
    } finally {
      if (!failed) {
        flushLoss(operation);
        send({ type: "complete", id: operation.id });
      }
      finishOperation(operation);
    }
  }

  const subscribeProblem = (error: unknown): Problem => {
    if (error instanceof EventsPermissionDeniedError) {
      return problemDocument(403, "permission-denied", "Permission denied", {
        detail: error.reason,
        reason: error.reason,
      });
    }
    if (error instanceof InvalidEventIdError) {
      return problemDocument(400, "invalid-last-event-id", "last_event_id is not an event id", {
        detail: `${error.message}; subscribe without it to start from now`,
      });
    }
    return problemDocument(503, "events-unavailable", "The event bus cannot be read", {
      detail: describe(error),
    });
  };

  /** Checks the operation limits; `false` when the connection was closed for breaking them. */
  const admit = (id: string): boolean => {
    if (operations.has(id)) {
      close(WEBSOCKET_CLOSE_CODES.duplicateOperation, `operation id ${id} is already in flight`);
      return false;
    }
    if (operations.size >= options.maxInFlight) {
      close(
        WEBSOCKET_CLOSE_CODES.tooManyOperations,
        `more than RELAY_WS_MAX_IN_FLIGHT (${options.maxInFlight}) operations in flight`,
      );
      return false;
    }
    return true;
  };

  const handle = (message: ClientEnvelope) => {
    switch (message.type) {
      case "connection_init":
        close(WEBSOCKET_CLOSE_CODES.invalidMessage, "connection_init sent twice");
        return;
      case "ping":
        // A peer that sends pings without reading the pongs gets none past the bound.
        if (socket.bufferedAmount <= options.maxBufferedBytes) send({ type: "pong" });
        return;
      case "execute": {
        if (!admit(message.id)) return;
        if (shuttingDown) {
          send({ type: "error", id: message.id, problem: shuttingDownProblem().problem });
          return;
        }
        const key = (message.request as { idempotency_key?: unknown } | null)?.idempotency_key;
        const operation: ExecuteOperation = {
          kind: "execute",
          id: message.id,
          controller: new AbortController(),
          idempotencyKey: typeof key === "string" && key.trim() !== "" ? key : undefined,
          requestId: undefined,
          cancelRequested: false,
          cancelling: false,
          lastEventId: undefined,
          lost: false,
        };
        operations.set(message.id, operation);
        void runExecute(operation, message.request);
        return;
      }
      case "subscribe": {
        if (!admit(message.id)) return;
        if (shuttingDown) {
          send({ type: "error", id: message.id, problem: shuttingDownProblem().problem });
          return;
        }
        const operation: SubscribeOperation = {
          kind: "subscribe",
          id: message.id,
          feed: undefined,
          ended: false,
          lastEventId: undefined,
          lost: false,
        };
        operations.set(message.id, operation);
        void runSubscribe(operation, message);
        return;
      }
      case "cancel":
      case "unsubscribe": {
        // An id not in flight (already answered, or never sent) is ignored: the race is normal.
        const operation = operations.get(message.id);
        if (operation?.kind === "subscribe") {
          operation.ended = true;
          operation.feed?.close();
        } else if (operation?.kind === "execute" && message.type === "cancel") {
          void cancelExecution(operation);
        }
        return;
      }
    }
  };

  async function authenticate(message: Extract<ClientEnvelope, { type: "connection_init" }>) {
    phase = "authenticating";
    const credentials = message.payload;
    if (credentials?.token !== undefined && credentials.api_key !== undefined) {
      close(WEBSOCKET_CLOSE_CODES.unauthorized, "give token or api_key, not both");
      return;
    }
    try {
      identity = await options.authenticator.authenticate(
        credentialHeaders(upgradeHeaders, credentials),
      );
    } catch (error) {
      const detail =
        error instanceof HttpProblem ? (error.problem.detail ?? error.problem.title) : undefined;
      if (detail === undefined) options.log(`error: WebSocket authentication: ${describe(error)}`);
      close(
        WEBSOCKET_CLOSE_CODES.unauthorized,
        `unauthenticated: ${detail ?? "credentials could not be checked"}`,
      );
      return;
    }
    if (phase !== "authenticating") return;
    phase = "ready";
    clearTimeout(initTimer);
    send({ type: "connection_ack" });
    for (const waiting of early.splice(0)) {
      if (phase !== "ready") return;
      handle(waiting);
    }
  }

  socket.on("message", (data, isBinary) => {
    alive = true;
    if (phase === "closed") return;
    const parsed = parseClientMessage(data, isBinary);
    if (!parsed.ok) {
      options.metrics.received("invalid");
      close(WEBSOCKET_CLOSE_CODES.invalidMessage, parsed.reason);
      return;
    }
    const message = parsed.message;
    options.metrics.received(message.type);
    if (phase === "awaiting_init") {
      if (message.type !== "connection_init") {
        close(WEBSOCKET_CLOSE_CODES.unauthorized, `${message.type} before connection_init`);
        return;
      }
      void authenticate(message);
      return;
    }
    if (phase === "authenticating") {
      // Sent before the ack arrived: served right after it, within the in-flight bound.
      if (early.length >= options.maxInFlight) {
        close(
          WEBSOCKET_CLOSE_CODES.tooManyOperations,
          `more than RELAY_WS_MAX_IN_FLIGHT (${options.maxInFlight}) messages before connection_ack`,
        );
        return;
      }
      early.push(message);
      return;
    }
    handle(message);
  });
  socket.on("pong", () => {
    alive = true;
  });
  socket.on("close", (code) => {
    options.metrics.closed(code);
    ended();
  });
  socket.on("error", () => {
    // ws closes the socket itself (1009 for a message over maxPayload, 1002 for a bad frame).
  });

  return {
    beat() {
      const answered = alive;
      alive = false;
      if (answered && phase !== "closed") socket.ping();
      return answered;
    },
    overBoundSince() {
      if (overSince !== undefined) {
        noteBuffer();
        // Caught up: every operation that lost events hears of it now, not at its next event
        // (a subscription whose traffic stopped would otherwise never learn of the loss).
        if (overSince === undefined)
          for (const operation of operations.values()) flushLoss(operation);
      }
      return overSince;
    },
    shutdown() {
      if (phase === "closed") return Promise.resolve();
      shuttingDown = true;
      const done = new Promise<void>((resolve) => {
        shutdownDone = resolve;
      });
      for (const operation of operations.values()) {
        if (operation.kind === "subscribe") {
          operation.ended = true;
          operation.feed?.close();
        }
      }
      if (executionsInFlight() === 0) closeForShutdown();
      return done;
    },
    abandon() {
      for (const operation of operations.values()) {
        if (operation.kind === "execute")
          operation.controller.abort(new Error("server shutting down"));
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
