import type {
  CancellationAccepted,
  ExecuteRequestInput,
  Health,
  JsonValue,
} from "@wasm-relay/core";
import type { ClientOptions, RequestOptions } from "./client-options.js";
import { ResponseValidationError } from "./errors/transport-errors.js";
import {
  type EventsOptions,
  type ExecutionEventStream,
  streamEvents,
} from "./events/event-stream.js";
import { requestOptions } from "./resources/call-arguments.js";
import { cancelExecution } from "./resources/cancel.js";
import { type ExecuteCallOptions, type ExecuteResult, execute } from "./resources/execute.js";
import { type BatchItem, type ExecuteManyOptions, executeMany } from "./resources/execute-many.js";
import { createFunctionHandle, type FunctionHandle } from "./resources/functions.js";
import { createGlyphsResource, type GlyphsResource } from "./resources/glyphs.js";
import { createModulesResource, type ModulesResource } from "./resources/modules.js";
import { createHttpTransport } from "./transport/http-transport.js";
import type { ConnectOptions, RelaySession } from "./websocket/relay-session.js";

/** A client of one relay. Create it with {@link createClient}. */
export interface RelayClient {
  /**
   * Executes a module (`POST /intent/execute-wasm`). A module that ran and failed resolves with
   * `success: false` and a typed `error.code`; refusals and failures reject. Safe to retry: one
   * idempotency key covers every attempt, so a retry never runs the module twice.
   * @throws ValidationError (400), AuthenticationError (401), PermissionDeniedError (403),
   *   NotFoundError (404), IdempotencyMismatchError (422), RateLimitError (429), ServerError (5xx),
   *   ConnectionError, TimeoutError, AbortError, ResponseValidationError.
   * @typeParam TOutput the type of a success's `output` (`execute<number>(…)`), as the caller
   *   knows it from the module; not checked at run time. @default JsonValue
   */
  execute<TOutput = JsonValue>(
    request: ExecuteRequestInput,
    options?: ExecuteCallOptions,
  ): Promise<ExecuteResult<TOutput>>;
  /**
   * Cancels the caller's queued or running execution (`DELETE /intent/execute-wasm/{id}`) by
   * its `request_id` or the idempotency key it was sent under (`result.meta.idempotencyKey`, or
   * the `idempotencyKey` option), wherever it runs. The call awaiting it then resolves with
   * `success: false` and `error.code: "cancelled"`. Aborting an `execute` call's `signal` does
   * this too (best effort).
   * @throws NotFoundError (404: nothing of the caller's runs under this id),
   *   ExecutionFinishedError (409: it already finished), AuthenticationError (401),
   *   ServerError (503), ConnectionError, TimeoutError, AbortError.
   */
  cancel(id: string, options?: RequestOptions): Promise<CancellationAccepted>;
  /**
   * Executes up to `RELAY_BATCH_MAX` requests in one call (`POST /intent/execute-wasm/batch`),
   * each with its own idempotency key, rate-limit count and authorization. Resolves with one
   * item per request in request order (`ok: true` with the response, or `ok: false` with the
   * typed error that request alone would have thrown); `onResult` receives each as soon as it
   * finishes (the batch is then streamed).
   * @throws TypeError for an empty `requests`; errors of the batch itself (401, 413 over the
   *   limit, 5xx, ConnectionError, TimeoutError, AbortError), never of one request.
   */
  executeMany<TOutput = JsonValue>(
    requests: readonly ExecuteRequestInput[],
    options?: ExecuteManyOptions<TOutput>,
  ): Promise<BatchItem<TOutput>[]>;
  /**
   * The caller's execution events (`GET /intent/execute-wasm/events`) as an async iterable that
   * reconnects with backoff and `Last-Event-ID`; `break` or the `signal` ends it.
   */
  events(options?: EventsOptions): ExecutionEventStream;
  /** The relay's health document (`GET /intent/execute-wasm/health`). */
  health(options?: RequestOptions): Promise<Health>;
  /**
   * Opens a WebSocket session (`GET /intent/execute-wasm/ws`) with the client's credentials
   * (`apiKey`, `token`, or the `user_id` / `session_id` headers): execute, follow and cancel over
   * one connection, reconnecting by itself. Uses the platform's WebSocket, or `ws` on Node 20.
   * @throws AuthenticationError when the relay refuses the credentials, ConnectionError when it
   *   cannot be reached.
   */
  connect(options?: ConnectOptions): Promise<RelaySession>;
  /** Module upload and download. */
  readonly modules: ModulesResource;
  /** The `glyph://name@tag` registry. */
  readonly glyphs: GlyphsResource;
  /**
   * The function endpoint of a glyph tag (`/fn/name@tag/…`):
   * `client.fn("calculator@quantum").call("main", [5, 3])` resolves with `output: 8`.
   * @throws TypeError when `glyph` is not `name@tag` or `@scope/name@tag`.
   */
  fn(glyph: string): FunctionHandle;
}

/** Default bound of one attempt. @unit milliseconds */
export const DEFAULT_TIMEOUT = 60_000;
/** Default retries after a first failed attempt. */
export const DEFAULT_MAX_RETRIES = 2;

/**
 * Creates a client.
 *
 * ```ts
 * const relay = createClient({ baseUrl: "http://127.0.0.1:3000", headers: { user_id: "ada" } });
 * const result = await relay.execute({ cid: "glyph://calculator@quantum", inputs: [5, 3] });
 * if (result.success) console.log(result.output); // 8
 * ```
 * @throws TypeError when `baseUrl` is missing or not a URL, or both `apiKey` and `token` are given.
 */
export function createClient(options: ClientOptions): RelayClient {
  if (typeof options !== "object" || options === null || !options.baseUrl) {
    throw new TypeError("createClient: `baseUrl` is required, e.g. http://127.0.0.1:3000");
  }
  const prefixUrl = resolveBaseUrl(options.baseUrl);
  if (options.apiKey !== undefined && options.token !== undefined) {
    throw new TypeError("createClient: give `apiKey` or `token`, not both");
  }
  const headers = new Headers(options.headers);
  const secret = options.apiKey ?? options.token;
  if (secret !== undefined) headers.set("authorization", `Bearer ${secret}`);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (const [name, value] of [
    ["timeout", timeout],
    ["maxRetries", maxRetries],
  ] as const) {
    if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
      throw new TypeError(`createClient: \`${name}\` must be a number ≥ 0`);
    }
  }
  const transport = createHttpTransport({
    prefixUrl,
    headers,
    fetch: options.fetch,
    timeout,
    maxRetries,
    retry: options.retry ?? {},
  });
  const validator = options.validate;
  const events = (eventsOptions: EventsOptions = {}) =>
    streamEvents(transport, validator, timeout, eventsOptions);

  const cancel = (id: string, cancelOptions?: RequestOptions) =>
    cancelExecution(transport, id, cancelOptions);
  return {
    execute: <TOutput = JsonValue>(
      request: ExecuteRequestInput,
      executeOptions?: ExecuteCallOptions,
    ) => execute<TOutput>({ transport, validator, events, cancel }, request, executeOptions),
    cancel,
    executeMany: <TOutput = JsonValue>(
      requests: readonly ExecuteRequestInput[],
      manyOptions?: ExecuteManyOptions<TOutput>,
    ) => executeMany<TOutput>(transport, requests, manyOptions),
    events,
    async health(healthOptions = {}) {
      const answer = await transport.request(
        {
          ...requestOptions(healthOptions),
          method: "GET",
          path: "intent/execute-wasm/health",
          headers: healthOptions.headers,
        },
        "json",
      );
      if (validator) return validator.validate("health", answer.data);
      const body = answer.data as Partial<Health> | null | undefined;
      if (typeof body?.status !== "string") {
        throw new ResponseValidationError("the health answer lacks `status`", {
          status: answer.status,
          headers: answer.headers,
        });
      }
      return body as Health;
    },
    // Loaded on first use: pages that never connect do not download the session code.
    connect: async (connectOptions) =>
      (await import("./websocket/relay-session.js")).connectClientSession(
        prefixUrl,
        options,
        headers,
        connectOptions,
      ),
    modules: createModulesResource(transport),
    glyphs: createGlyphsResource(transport),
    fn: (glyph: string) => createFunctionHandle(transport, glyph),
  };
}

function resolveBaseUrl(baseUrl: string | URL): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(String(baseUrl), page).href;
  } catch {
    throw new TypeError(`createClient: \`baseUrl\` is not a URL: ${String(baseUrl)}`);
  }
}
