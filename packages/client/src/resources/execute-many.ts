import type { ExecuteRequestInput, ExecuteResponse, JsonValue, Problem } from "@wasm-relay/core";
import { BATCH_END_EVENT, BATCH_RESULT_EVENT } from "@wasm-relay/core/sse";
import type { RequestOptions } from "../client-options.js";
import { errorFromResponse } from "../errors/error-from-response.js";
import type { RelayError } from "../errors/relay-error.js";
import { ConnectionError, ResponseValidationError } from "../errors/transport-errors.js";
import { readSseMessages } from "../events/read-sse-messages.js";
import { generateIdempotencyKey } from "../idempotency-key.js";
import type { HttpTransport } from "../transport/http-transport.js";
import { requestOptions } from "./call-arguments.js";
import type { TypedExecuteResponse } from "./execute.js";

/** One request's answer in a batch: its response, or the error it alone would have thrown. */
export type BatchItem<TOutput = JsonValue> =
  | {
      /** The module ran (or its recorded answer was replayed): `response.success` says how. */
      ok: true;
      /** Position of the request in the batch (0-based). */
      index: number;
      /** HTTP status the request alone would have got (200). */
      status: number;
      /** Whether the relay replayed a recorded answer; known in the streamed form only. */
      replayed: boolean | undefined;
      /** The execute response. */
      response: TypedExecuteResponse<TOutput>;
    }
  | {
      /** The request was refused or failed. */
      ok: false;
      /** Position of the request in the batch (0-based). */
      index: number;
      /** HTTP status the request alone would have got (400, 403, 404, 429, 503…). */
      status: number;
      /** The error the request alone would have thrown (RateLimitError, ValidationError…). */
      error: RelayError;
    };

/** Options of `client.executeMany(...)`. */
export interface ExecuteManyOptions<TOutput = JsonValue> extends RequestOptions {
  /**
   * Receives each request's answer as soon as it finishes (the batch is then streamed with
   * `Accept: text/event-stream`); the promise still resolves with every answer in request order.
   * Not retried once the stream is open.
   */
  onResult?: ((item: BatchItem<TOutput>) => void) | undefined;
}

/**
 * `POST /intent/execute-wasm/batch`: runs the requests at once on the relay, each with its own
 * idempotency key (a fresh one for each request without `idempotency_key`, so that a retry of
 * the batch replays rather than reruns), rate-limit count and authorization.
 * @returns one item per request, in request order; a refused request is an item with its
 *   typed error, never a rejection of the batch.
 * @throws TypeError for an empty or non-array `requests`; for the batch itself: ValidationError
 *   (400), AuthenticationError (401), RelayError with status 413 (over `RELAY_BATCH_MAX`),
 *   ServerError, ConnectionError, TimeoutError, AbortError, ResponseValidationError.
 */
export async function executeMany<TOutput = JsonValue>(
  transport: HttpTransport,
  requests: readonly ExecuteRequestInput[],
  options: ExecuteManyOptions<TOutput> = {},
): Promise<BatchItem<TOutput>[]> {
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new TypeError("executeMany: requests must be a non-empty array of execute requests");
  }
  const body = {
    requests: requests.map((request) =>
      typeof request === "object" && request !== null && request.idempotency_key === undefined
        ? { ...request, idempotency_key: generateIdempotencyKey() }
        : request,
    ),
  };
  const call = {
    ...requestOptions(options),
    method: "POST" as const,
    path: "intent/execute-wasm/batch",
    json: body,
  };
  if (!options.onResult) {
    const answer = await transport.request({ ...call, headers: options.headers }, "json");
    if (!Array.isArray(answer.data) || answer.data.length !== requests.length) {
      throw new ResponseValidationError("the batch answer is not one answer per request", {
        status: answer.status,
        headers: answer.headers,
      });
    }
    return answer.data.map((element, index) =>
      batchItem<TOutput>(index, undefined, undefined, element),
    );
  }
  return streamBatch(transport, call, requests.length, options);
}

async function streamBatch<TOutput>(
  transport: HttpTransport,
  call: Parameters<HttpTransport["open"]>[0],
  count: number,
  options: ExecuteManyOptions<TOutput>,
): Promise<BatchItem<TOutput>[]> {
  const controller = new AbortController();
  const stop = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", stop, { once: true });
  const items: BatchItem<TOutput>[] = [];
  try {
    const response = await transport.open({
      ...call,
      signal: controller.signal,
      headers: { ...options.headers, accept: "text/event-stream" },
    });
    if (!response.body) throw new ConnectionError("the batch stream has no body");
    for await (const message of readSseMessages(response.body, () => {}, controller.signal)) {
      if (message.event === BATCH_END_EVENT) break;
      if (message.event !== BATCH_RESULT_EVENT) continue;
      const data = parseResult(message.data, count);
      const item = batchItem<TOutput>(data.index, data.status, data.replayed, data.body);
      items[data.index] = item;
      options.onResult?.(item);
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
    controller.abort();
  }
  if (options.signal?.aborted) throw options.signal.reason;
  if (items.filter(Boolean).length !== count) {
    throw new ConnectionError("the batch stream ended before every request was answered");
  }
  return items;
}

function parseResult(
  text: string,
  count: number,
): { index: number; status: number; replayed: boolean; body: unknown } {
  let data: { index?: unknown; status?: unknown; replayed?: unknown; body?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch (cause) {
    throw new ResponseValidationError("a batch result is not JSON", { cause });
  }
  const { index, status } = data;
  if (
    !Number.isInteger(index) ||
    (index as number) < 0 ||
    (index as number) >= count ||
    !Number.isInteger(status)
  ) {
    throw new ResponseValidationError("a batch result lacks a valid `index` or `status`");
  }
  return {
    index: index as number,
    status: status as number,
    replayed: data.replayed === true,
    body: data.body,
  };
}

function batchItem<TOutput>(
  index: number,
  status: number | undefined,
  replayed: boolean | undefined,
  body: unknown,
): BatchItem<TOutput> {
  const element = body as Partial<ExecuteResponse> & Partial<Problem>;
  if (typeof element !== "object" || element === null) {
    throw new ResponseValidationError(`the batch answer of request ${index} is not an object`);
  }
  if (typeof element.success === "boolean" && typeof element.request_id === "string") {
    return {
      ok: true,
      index,
      status: status ?? 200,
      replayed,
      response: element as TypedExecuteResponse<TOutput>,
    };
  }
  const problemStatus = status ?? (typeof element.status === "number" ? element.status : 500);
  return {
    ok: false,
    index,
    status: problemStatus,
    error: errorFromResponse(problemStatus, new Headers(), element),
  };
}
