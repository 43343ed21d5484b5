import ky, {
  HTTPError,
  type KyInstance,
  type RetryOptions as KyRetryOptions,
  TimeoutError as KyTimeoutError,
  type Options,
} from "ky";
import { errorFromResponse } from "../errors/error-from-response.js";
import { RelayError } from "../errors/relay-error.js";
import {
  AbortError,
  ConnectionError,
  ResponseValidationError,
  TimeoutError,
} from "../errors/transport-errors.js";
import { backoffDelay } from "../retry/backoff.js";
import { parseRetryAfter } from "../retry/retry-after.js";
import {
  DEFAULT_MAX_RETRY_AFTER,
  RETRYABLE_STATUSES,
  type RetryOptions,
} from "../retry/retry-policy.js";

/** Longest delay `setTimeout` honours (and ky accepts); longer ones mean no timeout. @unit milliseconds */
const LONGEST_TIMER = 2_147_483_647;

/**
 * Methods retried. POST is safe here: an execution carries one idempotency key on every
 * attempt (the relay runs it once and replays the answer), and an upload is content-addressed.
 */
const RETRIED_METHODS: NonNullable<KyRetryOptions["methods"]> = ["get", "put", "post", "head"];
const RETRIED_STATUSES = [...RETRYABLE_STATUSES];
/** Statuses whose body is always empty; `new Response` refuses a body for them. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** One logical HTTP call, as the resources describe it. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path relative to the base URL, without a leading slash. */
  path: string;
  searchParams?: Record<string, string> | undefined;
  /** JSON body (sets `Content-Type: application/json`). */
  json?: unknown;
  /** Raw body, for uploads. */
  body?: BodyInit | undefined;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** Bound of one attempt. @unit milliseconds */
  timeout?: number | undefined;
  /** Retries after the first attempt. */
  maxRetries?: number | undefined;
}

/** A read answer. */
export interface TransportResponse<T> {
  data: T;
  status: number;
  headers: Headers;
  /** Attempts made, 1 when the first succeeded. */
  attempts: number;
}

/** How answers are read. */
export type ResponseFormat = "json" | "bytes";

/** Sends requests with timeouts, retries and error mapping, over `ky`. */
export interface HttpTransport {
  /**
   * Sends `request` with ky's retry (the same headers, hence the same idempotency key, on every
   * attempt; connection errors and 408, 409, 429, 502, 503, 504 retried with backoff or after
   * `Retry-After`), and reads the whole answer within the timeout of each attempt.
   * @throws RelayError (a subclass naming what went wrong).
   */
  request(request: TransportRequest, format: "json"): Promise<TransportResponse<unknown>>;
  request(request: TransportRequest, format: "bytes"): Promise<TransportResponse<Uint8Array>>;
  /**
   * Makes one attempt and returns the answer with its body unread (for streams). The timeout
   * bounds only the wait for the answer's headers.
   * @throws RelayError for a failed connection or a non-2xx answer.
   */
  open(request: TransportRequest): Promise<Response>;
}

/** What a transport is built from. */
export interface HttpTransportOptions {
  /** Absolute base URL, ending in `/`. */
  prefixUrl: string;
  /** Headers of every request (identity, credentials). */
  headers: Headers;
  /** The `fetch` to use. @default globalThis.fetch, looked up at each call */
  fetch?: typeof fetch | undefined;
  /** Bound of one attempt; `0`, `Infinity` or more than about 24.8 days: none. @unit milliseconds */
  timeout: number;
  maxRetries: number;
  retry: RetryOptions;
}

/** Builds an {@link HttpTransport}. */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const customFetch = options.fetch;
  // Called as a plain function: a native `fetch` called as a method of another object throws
  // "Illegal invocation" in browsers.
  const send: typeof fetch = customFetch
    ? (input, init) => customFetch(input, init)
    : (input, init) => globalThis.fetch(input, init);
  const streaming = ky.create({
    prefixUrl: options.prefixUrl,
    headers: options.headers,
    fetch: send,
  });
  // Reading the whole body inside `fetch` puts it under ky's timeout, and lets ky retry an
  // answer that was cut before its end like any other connection failure.
  const buffered = streaming.extend({
    fetch: async (input, init) => readWhole(await send(input, init)),
  });
  const retry = options.retry;
  const maxRetryAfter = retry.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER;
  const backoff = {
    initialDelay: retry.initialDelay ?? 500,
    maxDelay: retry.maxDelay ?? 8000,
    random: retry.random,
  };

  async function attempt(
    http: KyInstance,
    spec: TransportRequest,
    maxRetries: number,
  ): Promise<{ response: Response; attempts: number }> {
    const timeout = spec.timeout ?? options.timeout;
    let attempts = 1;
    // The delay ky is about to wait, for `onRetry`: the backoff it asked for, or the answer's
    // Retry-After as read when the retry was decided.
    let lastBackoff = 0;
    let lastRetryAfter: number | undefined;
    const kyOptions: Options = {
      method: spec.method,
      // 0, Infinity and values beyond what timers can hold mean no timeout.
      timeout: timeout > 0 && timeout <= LONGEST_TIMER ? timeout : false,
      retry: {
        limit: maxRetries,
        methods: RETRIED_METHODS,
        statusCodes: RETRIED_STATUSES,
        afterStatusCodes: RETRIED_STATUSES,
        maxRetryAfter,
        delay: (attemptCount) => {
          lastBackoff = backoffDelay(attemptCount, backoff);
          return lastBackoff;
        },
        shouldRetry: ({ error }) => {
          if (spec.signal?.aborted) return false;
          lastRetryAfter = error instanceof HTTPError ? retryAfterOf(error.response) : undefined;
          // A longer wait than the caller accepts is not waited out: the error says when.
          if ((lastRetryAfter ?? 0) > maxRetryAfter) return false;
          return undefined;
        },
      },
      hooks: {
        beforeRetry: [
          async ({ error, retryCount }) => {
            attempts = retryCount + 1;
            if (!retry.onRetry) return;
            retry.onRetry({
              attempt: retryCount,
              delay: lastRetryAfter ?? lastBackoff,
              error: await toRelayError(error, spec, timeout, true),
            });
          },
        ],
      },
    };
    // Options left undefined are left out: ky's merge would let an explicit
    // `headers: undefined` drop the client's default headers (identity, credentials).
    if (spec.signal !== undefined) kyOptions.signal = spec.signal;
    if (spec.headers !== undefined) kyOptions.headers = spec.headers;
    if (spec.searchParams !== undefined) kyOptions.searchParams = spec.searchParams;
    if (spec.json !== undefined) kyOptions.json = spec.json;
    if (spec.body !== undefined) kyOptions.body = spec.body;
    try {
      return { response: await http(spec.path, kyOptions), attempts };
    } catch (error) {
      throw await toRelayError(error, spec, timeout, false);
    }
  }

  async function request(
    spec: TransportRequest,
    format: ResponseFormat,
  ): Promise<TransportResponse<unknown>> {
    const { response, attempts } = await attempt(
      buffered,
      spec,
      spec.maxRetries ?? options.maxRetries,
    );
    let data: unknown;
    try {
      data =
        format === "bytes"
          ? new Uint8Array(await response.arrayBuffer())
          : parseStrict(await response.text(), response);
    } catch (error) {
      throw await toRelayError(error, spec, spec.timeout ?? options.timeout, false);
    }
    return { data, status: response.status, headers: response.headers, attempts };
  }

  return {
    request: request as HttpTransport["request"],
    open: async (spec) => (await attempt(streaming, spec, 0)).response,
  };
}

/** `response` with its whole body read into memory (or the read's failure thrown). */
async function readWhole(response: Response): Promise<Response> {
  if (response.body === null) return response;
  const body = await response.arrayBuffer();
  return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** The answer's `Retry-After`, when it has a readable one. @unit milliseconds */
function retryAfterOf(response: Response): number | undefined {
  return parseRetryAfter(response.headers.get("retry-after"), Date.now());
}

/**
 * The client's error for what ky or fetch threw.
 * @param peek read a copy of an error answer's body (it may be read again later).
 */
async function toRelayError(
  error: unknown,
  spec: TransportRequest,
  timeout: number,
  peek: boolean,
): Promise<RelayError> {
  if (spec.signal?.aborted) {
    return new AbortError("the request was aborted", { cause: spec.signal.reason });
  }
  if (error instanceof KyTimeoutError) {
    return new TimeoutError(`no complete answer within ${timeout} ms`, { cause: error });
  }
  if (RelayError.isInstance(error)) return error;
  if (error instanceof HTTPError) {
    const { response } = error;
    let text: string;
    try {
      text = await (peek ? response.clone() : response).text();
    } catch (cause) {
      return new ConnectionError(`connection failed: ${describeCause(cause)}`, { cause });
    }
    return errorFromResponse(response.status, response.headers, parseLenient(text));
  }
  return new ConnectionError(`connection failed: ${describeCause(error)}`, { cause: error });
}

function parseLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseStrict(text: string, response: Response): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ResponseValidationError(
      `the server answered ${response.status} with a body that is not JSON`,
      { status: response.status, headers: response.headers, cause: error },
    );
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}
