import type { KyInstance, Options } from "ky";
import { errorFromResponse } from "../errors/error-from-response.js";
import { RelayError } from "../errors/relay-error.js";
import {
  AbortError,
  ConnectionError,
  ResponseValidationError,
  TimeoutError,
} from "../errors/transport-errors.js";
import { type RetryOptions, retryDelay } from "../retry/retry-policy.js";
import { abortableSleep } from "./abortable-sleep.js";

/** Longest delay `setTimeout` honours; longer ones fire at once. @unit milliseconds */
const LONGEST_TIMER = 2_147_483_647;

/** One logical HTTP call, as the resources describe it. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT";
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

/** Sends requests with timeouts, retries and error mapping, over a `ky` instance. */
export interface HttpTransport {
  /**
   * Sends `request`, retrying as {@link retryDelay} allows (the same headers, hence the same
   * idempotency key, on every attempt), and reads the whole answer.
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
  /** A `ky` instance with the base URL and default headers, `retry: 0`, `timeout: false`, `throwHttpErrors: false`. */
  http: KyInstance;
  /** @unit milliseconds */
  timeout: number;
  maxRetries: number;
  retry: RetryOptions;
}

/** Builds an {@link HttpTransport}. */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  async function attempt(
    request: TransportRequest,
    format: ResponseFormat | undefined,
  ): Promise<Response | { response: Response; data: unknown }> {
    const timeout = request.timeout ?? options.timeout;
    const timeoutController = new AbortController();
    const signal = request.signal
      ? AbortSignal.any([request.signal, timeoutController.signal])
      : timeoutController.signal;
    // 0, Infinity and values beyond what timers can hold (about 24.8 days) mean no timeout.
    const timer =
      timeout > 0 && timeout <= LONGEST_TIMER
        ? setTimeout(() => timeoutController.abort(), timeout)
        : undefined;
    const fail = (error: unknown): RelayError => {
      if (request.signal?.aborted) {
        return new AbortError("the request was aborted", { cause: request.signal.reason });
      }
      if (timeoutController.signal.aborted) {
        return new TimeoutError(`no complete answer within ${timeout} ms`, { cause: error });
      }
      if (RelayError.isInstance(error)) return error;
      return new ConnectionError(`connection failed: ${describeCause(error)}`, { cause: error });
    };
    try {
      let response: Response;
      try {
        response = await options.http(request.path, kyOptions(request, signal));
      } catch (error) {
        throw fail(error);
      }
      if (format === undefined && response.ok) return response;
      let raw: Uint8Array | string;
      try {
        raw =
          format === "bytes" && response.ok
            ? new Uint8Array(await response.arrayBuffer())
            : await response.text();
      } catch (error) {
        throw fail(error);
      }
      if (!response.ok) {
        throw errorFromResponse(response.status, response.headers, parseLenient(raw as string));
      }
      if (format === "bytes") return { response, data: raw };
      return { response, data: parseStrict(raw as string, response) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function request(
    spec: TransportRequest,
    format: ResponseFormat,
  ): Promise<TransportResponse<unknown>> {
    const maxRetries = spec.maxRetries ?? options.maxRetries;
    for (let attempts = 1; ; attempts++) {
      try {
        const { response, data } = (await attempt(spec, format)) as {
          response: Response;
          data: unknown;
        };
        return { data, status: response.status, headers: response.headers, attempts };
      } catch (error) {
        const delay = retryDelay(error, attempts, maxRetries, options.retry);
        if (delay === undefined) throw error;
        options.retry.onRetry?.({ attempt: attempts, delay, error: error as RelayError });
        try {
          await abortableSleep(delay, spec.signal);
        } catch (reason) {
          throw new AbortError("the request was aborted while waiting to retry", {
            cause: reason,
          });
        }
      }
    }
  }

  return {
    request: request as HttpTransport["request"],
    open: (spec) => attempt(spec, undefined) as Promise<Response>,
  };
}

/**
 * The ky options of one attempt. Options left undefined are left out: ky's merge would let an
 * explicit `headers: undefined` drop the client's default headers (identity, credentials).
 */
function kyOptions(request: TransportRequest, signal: AbortSignal): Options {
  const options: Options = { method: request.method, signal };
  if (request.headers !== undefined) options.headers = request.headers;
  if (request.searchParams !== undefined) options.searchParams = request.searchParams;
  if (request.json !== undefined) options.json = request.json;
  if (request.body !== undefined) options.body = request.body;
  return options;
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
