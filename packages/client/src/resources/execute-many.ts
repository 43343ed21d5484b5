import type { ExecuteRequestInput, ExecuteResponse, JsonValue, Problem } from "@wasm-relay/core";
import { BATCH_RESULT_EVENT } from "@wasm-relay/core/sse";
import type { RequestOptions } from "../client-options.js";
import { errorFromResponse } from "../errors/error-from-response.js";
import type { RelayError } from "../errors/relay-error.js";
import { AbortError, ConnectionError } from "../errors/transport-errors.js";
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
      /** Whether the relay replayed a recorded answer (`Idempotent-Replayed`). */
      replayed: boolean;
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
   * Receives each request's answer as soon as it finishes; the promise still resolves with every
   * answer in request order.
   */
  onResult?: ((item: BatchItem<TOutput>) => void) | undefined;
}

/**
 * `POST /intent/execute-wasm/batch`: runs the requests at once on the relay, each with its own
 * idempotency key (a fresh one for each request without `idempotency_key`, so that sending the
 * batch again replays rather than reruns), rate-limit count and authorization. The batch is
 * always read as a stream (`Accept: text/event-stream`: each answer as it finishes, with
 * `replayed`), which is not retried once open; without `onResult` the caller just gets the array.
 * @returns one item per request, in request order; a refused request is an item with its
 *   typed error, never a rejection of the batch.
 * @throws TypeError for an empty or non-array `requests`; for the batch itself: ValidationError
 *   (400), AuthenticationError (401), RelayError with status 413 (over `RELAY_BATCH_MAX`),
 *   ServerError, ConnectionError (also: the stream ended before every answer), TimeoutError,
 *   AbortError; a SyntaxError for a result that is not JSON.
 */
export async function executeMany<TOutput = JsonValue>(
  transport: HttpTransport,
  requests: readonly ExecuteRequestInput[],
  options: ExecuteManyOptions<TOutput> = {},
): Promise<BatchItem<TOutput>[]> {
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new TypeError("executeMany: requests must be a non-empty array");
  }
  const call = {
    ...requestOptions(options),
    method: "POST" as const,
    path: "intent/execute-wasm/batch",
    json: {
      requests: requests.map((request) =>
        request?.idempotency_key === undefined
          ? { ...request, idempotency_key: generateIdempotencyKey() }
          : request,
      ),
    },
  };
  const { onResult, signal } = options;
  const response = await transport.open({
    ...call,
    headers: { ...options.headers, accept: "text/event-stream" },
  });
  const items: BatchItem<TOutput>[] = [];
  const messages = readSseMessages(
    response.body!,
    () => {},
    signal ?? new AbortController().signal,
  );
  for await (const message of messages) {
    if (message.event !== BATCH_RESULT_EVENT) continue;
    // The relay writes each result as one JSON line (a malformed one throws SyntaxError).
    const data: { index: number; status: number; replayed: boolean; body: unknown } = JSON.parse(
      message.data,
    );
    const item = batchItem<TOutput>(data.index, data.status, data.replayed, data.body);
    items[data.index] = item;
    onResult?.(item);
  }
  if (signal?.aborted) throw new AbortError("the request was aborted", { cause: signal.reason });
  if (items.filter(Boolean).length !== requests.length) {
    throw new ConnectionError("the batch stream ended before every answer");
  }
  return items;
}

function batchItem<TOutput>(
  index: number,
  status: number,
  replayed: boolean,
  body: unknown,
): BatchItem<TOutput> {
  const element = body as (Partial<ExecuteResponse> & Partial<Problem>) | null;
  if (typeof element?.success === "boolean") {
    const response = element as TypedExecuteResponse<TOutput>;
    return { ok: true, index, status, replayed, response };
  }
  return { ok: false, index, status, error: errorFromResponse(status, new Headers(), body) };
}
