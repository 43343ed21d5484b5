import type {
  ExecuteRequestInput,
  ExecuteResponse,
  ExecutionEvent,
  JsonValue,
} from "@wasm-relay/core";
import type { RequestOptions } from "../client-options.js";
import { ResponseValidationError } from "../errors/transport-errors.js";
import type { EventsOptions, ExecutionEventStream } from "../events/event-stream.js";
import { ExecutionEventRouter } from "../events/execution-event-router.js";
import { generateIdempotencyKey } from "../idempotency-key.js";
import type { HttpTransport, TransportResponse } from "../transport/http-transport.js";
import type { ResponseValidator } from "../validation/response-validator.js";

/** Options of `client.execute(...)`. */
export interface ExecuteCallOptions extends RequestOptions {
  /**
   * Idempotency key of this logical call, sent as `Idempotency-Key` on every attempt.
   * @default the request's `idempotency_key`, else a random UUID made once per call
   */
  idempotencyKey?: string | undefined;
  /**
   * Receives the events of this execution (queued, started, progress, complete or error) while
   * the result is awaited. Opens the caller's event stream for the duration of the call.
   * If it throws, `execute` rejects with that error once the request has settled.
   */
  onEvent?: ((event: ExecutionEvent) => void) | undefined;
  /**
   * Whether aborting `signal` after the request was sent also cancels the execution on the
   * relay (a best-effort `DELETE /intent/execute-wasm/{idempotency key}`, not awaited; its
   * failure is ignored). @default true
   */
  cancelOnAbort?: boolean | undefined;
}

/** How an answer was obtained. */
export interface ResponseMeta {
  /** HTTP status of the answer. */
  status: number;
  /** Headers of the answer. */
  headers: Headers;
  /** Attempts made (1 when the first succeeded). */
  attempts: number;
  /** Whether the relay replayed a recorded answer (`Idempotent-Replayed: true`) instead of executing. */
  replayed: boolean;
  /** The idempotency key sent on every attempt. */
  idempotencyKey: string;
}

/**
 * The answer of an execution with the success's `output` typed as `TOutput`: a failure keeps
 * its optional `JsonValue` output.
 */
export type TypedExecuteResponse<TOutput = JsonValue> = ExecuteResponse extends infer Response
  ? Response extends { success: true }
    ? Omit<Response, "output"> & { output: TOutput }
    : Response
  : never;

/**
 * The answer of an execution: `success: true` with `output`, or `success: false` with a typed
 * `error.code`. `meta` (not enumerable, so not serialised) says how it was obtained.
 * `TOutput` is what the caller states the module returns (`client.execute<number>(…)`); it is
 * not checked at run time unless a `validate` option checks it.
 */
export type ExecuteResult<TOutput = JsonValue> = TypedExecuteResponse<TOutput> & {
  readonly meta: ResponseMeta;
};

/** What `execute` needs from the client. */
export interface ExecuteContext {
  transport: HttpTransport;
  /** Cancels the caller's execution by request id or idempotency key (`DELETE`). */
  cancel(id: string): Promise<unknown>;
  validator: ResponseValidator | undefined;
  events(options: EventsOptions): ExecutionEventStream;
}

/** Longest wait for the stream to open before the request is sent anyway. @unit milliseconds */
const STREAM_OPEN_WAIT = 1000;
/** Longest wait, after the result, for the execution's terminal event. @unit milliseconds */
const TERMINAL_EVENT_WAIT = 1000;

/**
 * `POST /intent/execute-wasm` with one idempotency key for every attempt.
 * @throws RelayError subclasses for refusals and failures; never for `success: false`.
 */
export async function execute<TOutput = JsonValue>(
  context: ExecuteContext,
  request: ExecuteRequestInput,
  options: ExecuteCallOptions = {},
): Promise<ExecuteResult<TOutput>> {
  if (typeof request !== "object" || request === null) {
    throw new TypeError("execute: the request must be an object such as { cid, inputs }");
  }
  const idempotencyKey =
    options.idempotencyKey ?? request.idempotency_key ?? generateIdempotencyKey();
  const send = () =>
    context.transport.request(
      {
        method: "POST",
        path: "intent/execute-wasm",
        json: request,
        headers: { ...options.headers, "idempotency-key": idempotencyKey },
        signal: options.signal,
        timeout: options.timeout,
        maxRetries: options.maxRetries,
      },
      "json",
    );
  const stopOnAbort = cancelOnAbort(context, idempotencyKey, options);
  let answer: TransportResponse<unknown>;
  try {
    answer = options.onEvent
      ? await sendWithEvents(context, idempotencyKey, options.onEvent, options.signal, send)
      : await send();
  } finally {
    stopOnAbort();
  }
  const response = checkExecuteResponse(answer, context.validator);
  return Object.defineProperty({ ...response }, "meta", {
    value: {
      status: answer.status,
      headers: answer.headers,
      attempts: answer.attempts,
      replayed: answer.headers.get("idempotent-replayed") === "true",
      idempotencyKey,
    } satisfies ResponseMeta,
    enumerable: false,
  }) as ExecuteResult<TOutput>;
}

/**
 * Arms the server-side cancel of an aborted call: once `signal` aborts, a `DELETE` by the
 * call's idempotency key (a key the relay knows from the first attempt on). Returns the disarm.
 */
function cancelOnAbort(
  context: ExecuteContext,
  idempotencyKey: string,
  options: ExecuteCallOptions,
): () => void {
  const signal = options.signal;
  if (!signal || options.cancelOnAbort === false || signal.aborted) return () => {};
  const onAbort = () => {
    // Best effort: the relay may not have tracked it yet (404), or it just finished (409).
    context.cancel(idempotencyKey).catch(() => undefined);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

async function sendWithEvents(
  context: ExecuteContext,
  idempotencyKey: string,
  onEvent: (event: ExecutionEvent) => void,
  signal: AbortSignal | undefined,
  send: () => Promise<TransportResponse<unknown>>,
): Promise<TransportResponse<unknown>> {
  const router = new ExecutionEventRouter(idempotencyKey, onEvent);
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener("abort", stop, { once: true });
  let opened = false;
  let markOpen = () => {};
  const open = new Promise<void>((resolve) => {
    markOpen = resolve;
  });
  const stream = context.events({
    signal: controller.signal,
    reconnect: { maxAttempts: 3 },
    onOpen: () => {
      opened = true;
      markOpen();
    },
  });
  // The stream is the caller's bonus: its failures never fail the execution.
  const pump = (async () => {
    try {
      for await (const event of stream) router.accept(event);
    } catch {}
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    open,
    pump,
    new Promise((resolve) => {
      timer = setTimeout(resolve, STREAM_OPEN_WAIT);
    }),
  ]);
  clearTimeout(timer);
  try {
    const answer = await send();
    const requestId = (answer.data as { request_id?: unknown } | undefined)?.request_id;
    if (typeof requestId === "string") {
      const replayed = answer.headers.get("idempotent-replayed") === "true";
      await router.settle(requestId, opened && !replayed, TERMINAL_EVENT_WAIT, pump);
    }
    if (router.callbackError) throw router.callbackError.error;
    return answer;
  } finally {
    signal?.removeEventListener("abort", stop);
    controller.abort();
    await pump;
  }
}

function checkExecuteResponse(
  answer: TransportResponse<unknown>,
  validator: ResponseValidator | undefined,
): ExecuteResponse {
  if (validator) return validator.validate("executeResponse", answer.data);
  const body = answer.data as Partial<ExecuteResponse> | null | undefined;
  if (
    typeof body !== "object" ||
    body === null ||
    typeof body.success !== "boolean" ||
    typeof body.request_id !== "string"
  ) {
    throw new ResponseValidationError(
      "the execute answer lacks `success` (boolean) or `request_id` (string)",
      { status: answer.status, headers: answer.headers },
    );
  }
  return body as ExecuteResponse;
}
