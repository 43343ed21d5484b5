import type {
  ClientMessage,
  ConnectionCredentials,
  EventsLostNotice,
  ExecuteRequestInput,
  ExecuteResponse,
  ExecutionEvent,
  JsonValue,
  Problem,
  ServerMessage,
} from "@wasm-relay/core";
import { errorFromResponse } from "../errors/error-from-response.js";
import { AuthenticationError } from "../errors/http-errors.js";
import type { RelayError } from "../errors/relay-error.js";
import { AbortError, ConnectionError } from "../errors/transport-errors.js";
import { generateIdempotencyKey } from "../idempotency-key.js";
import type { ExecuteResult, ResponseMeta } from "../resources/execute.js";
import { backoffDelay } from "../retry/backoff.js";
import { openWebSocket, type WebSocketLike } from "./open-websocket.js";

/** Options of `client.connect(...)`. */
export interface ConnectOptions {
  /** Closes the session (like `session.close()`). */
  signal?: AbortSignal | undefined;
  /**
   * How a lost connection is re-established: executions in flight are sent again under their
   * idempotency key (a replay when they finished meanwhile), subscriptions resume after their
   * last event id.
   */
  reconnect?:
    | {
        /** Consecutive failed connections tolerated before everything in flight fails. @default 8 */
        maxAttempts?: number | undefined;
        /** First delay; later ones double. @unit milliseconds @default 250 */
        initialDelay?: number | undefined;
        /** Upper bound of the delay. @unit milliseconds @default 10000 */
        maxDelay?: number | undefined;
      }
    | undefined;
}

/** Options of `session.execute(...)`. */
export interface SessionExecuteOptions {
  /** Cancels the execution on the relay (`cancel`) and rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Receives the execution's events (queued, started, progress, complete or error). */
  onEvent?: ((event: ExecutionEvent) => void) | undefined;
  /** @default the request's `idempotency_key`, else a random UUID made once per call */
  idempotencyKey?: string | undefined;
}

/** Options of `session.events(...)`. */
export interface SessionEventsOptions {
  /** Only this execution; the iteration ends after its terminal event. */
  requestId?: string | undefined;
  /** Only the caller's execution sent under this idempotency key. */
  idempotencyKey?: string | undefined;
  /** Resume after this event id. */
  lastEventId?: string | undefined;
  /** Ends the iteration (without an error). */
  signal?: AbortSignal | undefined;
  /** Called when events were lost (retention, or this connection fell behind). */
  onEventsLost?: ((notice: EventsLostNotice) => void) | undefined;
}

/** One settled execution of `session.executions(...)`, by its index in the requests. */
export type ExecutionSettlement<TOutput = JsonValue> =
  | { index: number; result: ExecuteResult<TOutput>; error?: undefined }
  | { index: number; result?: undefined; error: RelayError };

/** A WebSocket session with one relay: see `client.connect()`. */
export interface RelaySession {
  /**
   * Executes a module over the session; resolves with the same result as `client.execute`
   * (`meta.status` 200, `meta.attempts` 1 plus resends after reconnects).
   * @throws the same typed errors as HTTP (RateLimitError, PermissionDeniedError…), AbortError,
   *   ConnectionError when the connection cannot be re-established.
   */
  execute<TOutput = JsonValue>(
    request: ExecuteRequestInput,
    options?: SessionExecuteOptions,
  ): Promise<ExecuteResult<TOutput>>;
  /**
   * Runs every request (at most `concurrency` at a time) and yields each as it settles; `break`
   * or `signal` cancels those still running.
   */
  executions<TOutput = JsonValue>(
    requests: Iterable<ExecuteRequestInput>,
    options?: { signal?: AbortSignal | undefined; concurrency?: number | undefined },
  ): AsyncIterable<ExecutionSettlement<TOutput>>;
  /** The caller's execution events; `break` or `signal` unsubscribes. Resumes across reconnects. */
  events(options?: SessionEventsOptions): AsyncIterable<ExecutionEvent>;
  /** Closes the connection; what is in flight rejects with `AbortError`. */
  close(): void;
}

type Pending =
  | {
      kind: "execute";
      message: Extract<ClientMessage, { type: "execute" }>;
      onEvent: ((event: ExecutionEvent) => void) | undefined;
      sends: number;
      settle(outcome: { response: ExecuteResponse; replayed: boolean } | RelayError): void;
    }
  | {
      kind: "subscribe";
      message: Extract<ClientMessage, { type: "subscribe" }>;
      push(message: Extract<ServerMessage, { type: "event" }>): void;
      end(error?: RelayError): void;
    };

/**
 * `client.connect()`: the session URL (`ws:`/`wss:` beside the HTTP base URL) and the client's
 * credentials as `connection_init` carries them (`apiKey` → `api_key`, `token`, and the
 * `user_id` / `session_id` headers of the development identity).
 */
export function connectClientSession(
  prefixUrl: string,
  credentials: { apiKey?: string | undefined; token?: string | undefined },
  headers: Headers,
  options?: ConnectOptions,
): Promise<RelaySession> {
  const base = prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`;
  const payload: ConnectionCredentials = {};
  if (credentials.apiKey !== undefined) payload.api_key = credentials.apiKey;
  if (credentials.token !== undefined) payload.token = credentials.token;
  const userId = headers.get("user_id");
  const sessionId = headers.get("session_id");
  if (userId) payload.user_id = userId;
  if (sessionId) payload.session_id = sessionId;
  return connectSession(
    new URL("intent/execute-wasm/ws", base).href.replace(/^http/, "ws"),
    payload,
    options,
  );
}

/** Close codes after which reconnecting cannot help: the session fails. */
const FATAL_CLOSE_CODES = new Set([1009, 4400, 4401, 4408, 4409, 4429]);

/**
 * Opens a session (`client.connect()`): connects, sends `connection_init` with the credentials
 * and resolves at `connection_ack`.
 * @throws AuthenticationError (close 4401), ConnectionError (no connection).
 */
export async function connectSession(
  url: string,
  credentials: ConnectionCredentials,
  options: ConnectOptions = {},
): Promise<RelaySession> {
  const pending = new Map<string, Pending>();
  const reconnect = options.reconnect ?? {};
  const maxAttempts = reconnect.maxAttempts ?? 8;
  let socket: WebSocketLike | undefined;
  let acknowledged = false;
  let closed = false;
  let failures = 0;
  let counter = 0;
  let firstAck: { resolve(): void; reject(error: RelayError): void } | undefined;

  const write = (message: ClientMessage) => {
    if (acknowledged && socket?.readyState === 1) socket.send(JSON.stringify(message));
  };
  const failAll = (error: RelayError) => {
    for (const operation of pending.values()) {
      if (operation.kind === "execute") operation.settle(error);
      else operation.end(error);
    }
    pending.clear();
  };

  const onMessage = (text: string) => {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === "connection_ack") {
      acknowledged = true;
      failures = 0;
      firstAck?.resolve();
      for (const operation of pending.values()) {
        if (operation.kind === "execute") operation.sends += 1;
        write(operation.message);
      }
      return;
    }
    if (message.type === "pong") return;
    const operation = pending.get(message.id);
    if (!operation) return;
    if (operation.kind === "subscribe") {
      if (message.type === "event") operation.push(message);
      else {
        pending.delete(message.id);
        operation.end(message.type === "error" ? problemError(message.problem) : undefined);
      }
      return;
    }
    if (message.type === "event") {
      if (message.event.type !== "events_lost") operation.onEvent?.(message.event);
    } else if (message.type === "result") {
      pending.delete(message.id);
      operation.settle({ response: message.response, replayed: message.replayed });
    } else if (message.type === "error") {
      // Sent again after a reconnect while the first run still goes on: wait for it.
      if (message.problem.status === 409 && operation.sends > 1) {
        setTimeout(() => write(operation.message), (message.problem.retry_after ?? 1) * 1000);
        return;
      }
      pending.delete(message.id);
      operation.settle(problemError(message.problem));
    }
  };

  const open = async () => {
    let created: WebSocketLike;
    try {
      created = await openWebSocket(url);
    } catch (error) {
      onClose(1006, error instanceof Error ? error.message : String(error));
      return;
    }
    socket = created;
    acknowledged = false;
    created.onopen = () => {
      created.send(JSON.stringify({ type: "connection_init", payload: credentials }));
    };
    created.onmessage = (event) => onMessage(String(event.data));
    created.onerror = () => {};
    created.onclose = (event) => {
      if (socket === created) onClose(event.code, event.reason);
    };
  };

  const onClose = (code: number, reason: string) => {
    socket = undefined;
    acknowledged = false;
    if (closed) return;
    const error =
      code === 4401
        ? new AuthenticationError(`WebSocket closed 4401: ${reason}`, { status: 401 })
        : new ConnectionError(`WebSocket closed ${code}${reason ? `: ${reason}` : ""}`);
    failures += 1;
    if (FATAL_CLOSE_CODES.has(code) || failures > maxAttempts || firstAck) {
      // The first connection is not retried: `connect()` says what went wrong.
      closed = true;
      firstAck?.reject(error);
      failAll(error);
      return;
    }
    const delay = backoffDelay(failures, {
      initialDelay: reconnect.initialDelay ?? 250,
      maxDelay: reconnect.maxDelay ?? 10_000,
    });
    setTimeout(() => {
      if (!closed) void open();
    }, delay);
  };

  const close = () => {
    if (closed) return;
    closed = true;
    failAll(new AbortError("the session was closed"));
    socket?.close(1000);
    socket = undefined;
  };
  options.signal?.addEventListener("abort", close, { once: true });

  await new Promise<void>((resolve, reject) => {
    firstAck = { resolve, reject };
    void open();
  });
  firstAck = undefined;

  const nextId = () => {
    counter += 1;
    return String(counter);
  };

  const execute = <TOutput = JsonValue>(
    request: ExecuteRequestInput,
    executeOptions: SessionExecuteOptions = {},
  ): Promise<ExecuteResult<TOutput>> => {
    if (typeof request !== "object" || request === null) {
      return Promise.reject(
        new TypeError("execute: the request must be an object such as { cid, inputs }"),
      );
    }
    const { signal, onEvent } = executeOptions;
    const idempotencyKey =
      executeOptions.idempotencyKey ?? request.idempotency_key ?? generateIdempotencyKey();
    const id = nextId();
    return new Promise<ExecuteResult<TOutput>>((resolve, reject) => {
      if (closed) {
        reject(new AbortError("the session is closed"));
        return;
      }
      if (signal?.aborted) {
        reject(new AbortError("aborted", { cause: signal.reason }));
        return;
      }
      const abort = () => {
        if (!pending.delete(id)) return;
        write({ type: "cancel", id });
        reject(new AbortError("aborted: the execution was cancelled", { cause: signal?.reason }));
      };
      const operation: Pending = {
        kind: "execute",
        message: { type: "execute", id, request: { ...request, idempotency_key: idempotencyKey } },
        onEvent,
        sends: acknowledged ? 1 : 0,
        settle(outcome) {
          signal?.removeEventListener("abort", abort);
          if (outcome instanceof Error) {
            reject(outcome);
            return;
          }
          const meta: ResponseMeta = {
            status: 200,
            headers: new Headers(outcome.replayed ? { "idempotent-replayed": "true" } : {}),
            attempts: Math.max(1, this.sends),
            replayed: outcome.replayed,
            idempotencyKey,
          };
          resolve(
            Object.defineProperty({ ...outcome.response }, "meta", {
              value: meta,
              enumerable: false,
            }) as ExecuteResult<TOutput>,
          );
        },
      };
      signal?.addEventListener("abort", abort, { once: true });
      pending.set(id, operation);
      write(operation.message);
    });
  };

  async function* events(eventsOptions: SessionEventsOptions = {}): AsyncGenerator<ExecutionEvent> {
    const id = nextId();
    const queue: ExecutionEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let failure: RelayError | undefined;
    const message: Extract<ClientMessage, { type: "subscribe" }> = {
      type: "subscribe",
      id,
      ...(eventsOptions.requestId ? { request_id: eventsOptions.requestId } : {}),
      ...(eventsOptions.idempotencyKey ? { idempotency_key: eventsOptions.idempotencyKey } : {}),
      ...(eventsOptions.lastEventId ? { last_event_id: eventsOptions.lastEventId } : {}),
    };
    const stop = () => {
      done = true;
      wake?.();
    };
    eventsOptions.signal?.addEventListener("abort", stop, { once: true });
    pending.set(id, {
      kind: "subscribe",
      message,
      push(received) {
        if (received.event.type === "events_lost") {
          eventsOptions.onEventsLost?.(received.event);
        } else {
          queue.push(received.event);
        }
        // Resubscription after a reconnect resumes after the last event received.
        if (received.event_id) message.last_event_id = received.event_id;
        wake?.();
      },
      end(error) {
        failure = error;
        done = true;
        wake?.();
      },
    });
    write(message);
    try {
      for (;;) {
        const event = queue.shift();
        if (event) {
          yield event;
          continue;
        }
        if (done || eventsOptions.signal?.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (failure && !(failure instanceof AbortError)) throw failure;
    } finally {
      eventsOptions.signal?.removeEventListener("abort", stop);
      if (pending.delete(id)) write({ type: "unsubscribe", id });
    }
  }

  async function* executions<TOutput = JsonValue>(
    requests: Iterable<ExecuteRequestInput>,
    executionsOptions: { signal?: AbortSignal | undefined; concurrency?: number | undefined } = {},
  ): AsyncGenerator<ExecutionSettlement<TOutput>> {
    const controller = new AbortController();
    const outer = executionsOptions.signal;
    const forward = () => controller.abort(outer?.reason);
    outer?.addEventListener("abort", forward, { once: true });
    const limit = Math.max(1, executionsOptions.concurrency ?? 16);
    const source = [...requests];
    const settled: ExecutionSettlement<TOutput>[] = [];
    let wake: (() => void) | undefined;
    let started = 0;
    let running = 0;
    const startNext = () => {
      while (running < limit && started < source.length && !controller.signal.aborted) {
        const index = started;
        started += 1;
        running += 1;
        execute<TOutput>(source[index] as ExecuteRequestInput, { signal: controller.signal })
          .then(
            (result) => settled.push({ index, result }),
            (error: RelayError) => settled.push({ index, error }),
          )
          .finally(() => {
            running -= 1;
            startNext();
            wake?.();
          });
      }
    };
    try {
      startNext();
      let yielded = 0;
      while (yielded < source.length && !controller.signal.aborted) {
        const next = settled.shift();
        if (next) {
          yielded += 1;
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      outer?.removeEventListener("abort", forward);
      // `break` or the signal: what still runs is cancelled on the relay.
      controller.abort(new Error("the iteration ended"));
    }
  }

  return { execute, executions, events, close };
}

function problemError(problem: Problem): RelayError {
  const headers = new Headers();
  if (typeof problem.retry_after === "number")
    headers.set("retry-after", String(problem.retry_after));
  return errorFromResponse(problem.status, headers, problem);
}
