import type { ServerResponse } from "node:http";
import type { BatchResultEvent, Identity, Relay } from "@wasm-relay/core";
import { outcomeToHttp, problemDocument } from "@wasm-relay/core";
import {
  BATCH_END_EVENT,
  BATCH_RESULT_EVENT,
  encodeSseMessage,
  SSE_CONTENT_TYPE,
} from "@wasm-relay/core/sse";
import { eventStreamHeaders } from "../http/event-stream-headers.js";
import { HttpProblem, httpProblem } from "../http/http-problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import type { RouteHandler } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";

/** What the batch route is built from. */
export interface BatchRouteOptions {
  relay: Relay;
  authenticator: Authenticator;
  /** Largest body (`RELAY_MAX_BODY_BYTES`). @unit bytes */
  maxBodyBytes: number;
  /** Most requests in one batch (`RELAY_BATCH_MAX`). */
  maxRequests: number;
  /** Receives unexpected errors of single requests (answered 500 in their place). */
  log?: ((message: string) => void) | undefined;
}

/**
 * The requests of a batch body.
 * @throws HttpProblem 400 when the body is not `{ "requests": [ … ] }` with at least one
 *   element, 413 `batch-too-large` (naming `RELAY_BATCH_MAX`) when it holds more than `max`.
 */
export function batchRequests(body: unknown, max: number): unknown[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (
    typeof body !== "object" ||
    body === null ||
    Array.isArray(body) ||
    !Array.isArray(requests)
  ) {
    throw httpProblem(400, "invalid-request", "Invalid request", {
      detail: 'a batch is { "requests": [ …execute bodies… ] }',
      details: [{ path: "requests", message: "must be an array of execute request bodies" }],
    });
  }
  if (requests.length === 0) {
    throw httpProblem(400, "invalid-request", "Invalid request", {
      detail: "a batch holds at least one request",
      details: [{ path: "requests", message: "must hold at least one request" }],
    });
  }
  if (requests.length > max) {
    throw httpProblem(413, "batch-too-large", "Batch too large", {
      detail: `a batch holds at most ${max} requests (RELAY_BATCH_MAX); this one holds ${requests.length}`,
      details: [{ path: "requests", message: `must hold at most ${max} requests` }],
      max_requests: max,
    });
  }
  return requests;
}

/**
 * One request of a batch through the pipeline, answered as it would be alone: its status, its
 * body (response or problem) and whether it was replayed. Never throws: a store that cannot
 * decide, a shutdown or an unexpected error is that request's problem.
 */
export async function answerBatchElement(
  relay: Relay,
  element: unknown,
  identity: Identity,
  signal: AbortSignal,
  log: (message: string) => void,
): Promise<Omit<BatchResultEvent, "index">> {
  try {
    const outcome = await relay.execute(element, identity, { signal });
    const answer = outcomeToHttp(outcome, relay.config.rateLimit.windowMs);
    return { status: answer.status, replayed: outcome.kind === "replayed", body: answer.body };
  } catch (error) {
    const problem = signal.aborted
      ? shuttingDownProblem().problem
      : error instanceof HttpProblem
        ? error.problem
        : undefined;
    if (problem) return { status: problem.status, replayed: false, body: problem };
    log(`error: a batch request failed: ${error instanceof Error ? error.message : String(error)}`);
    const internal = problemDocument(500, "internal-error", "Internal server error", {
      detail: "this request of the batch failed unexpectedly; the others are answered",
    });
    return { status: 500, replayed: false, body: internal };
  }
}

function wantsEventStream(accept: string | undefined): boolean {
  return accept?.split(",").some((part) => part.trim().startsWith(SSE_CONTENT_TYPE)) ?? false;
}

function streamAnswers(
  response: ServerResponse,
  answers: Promise<Omit<BatchResultEvent, "index">>[],
): Promise<void> {
  response.writeHead(200, eventStreamHeaders);
  // Headers out at once: the client knows the batch was accepted before the first result.
  response.flushHeaders();
  const written = answers.map((answer, index) =>
    answer.then((result) => {
      if (response.destroyed) return;
      const data: BatchResultEvent = { index, ...result };
      response.write(
        encodeSseMessage({
          id: String(index),
          event: BATCH_RESULT_EVENT,
          data: JSON.stringify(data),
        }),
      );
    }),
  );
  return Promise.all(written).then(() => {
    if (response.destroyed) return;
    response.end(
      encodeSseMessage({ event: BATCH_END_EVENT, data: JSON.stringify({ count: answers.length }) }),
    );
  });
}

/**
 * `POST /intent/execute-wasm/batch`: authenticate, read `{ "requests": [ … ] }`, run every
 * request through the pipeline at once (each with its own rate-limit count, validation,
 * authorization and idempotency), and answer them all: a JSON array in request order, or with
 * `Accept: text/event-stream` one `result` message per request as it finishes, then `end`.
 * A refused request (429, 403, 400…) is answered in its place; the batch still answers 200.
 * @throws HttpProblem 400 for a malformed batch or an `Idempotency-Key` header (each request
 *   carries its own `idempotency_key`), 413 over `RELAY_BATCH_MAX` requests or
 *   `RELAY_MAX_BODY_BYTES`; the authenticator's problems (401) as they come.
 */
export function batchRoute(options: BatchRouteOptions): RouteHandler {
  const log = options.log ?? ((message: string) => console.error(message));
  return async ({ request, response, signal }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    if (request.headers["idempotency-key"] !== undefined) {
      throw httpProblem(400, "invalid-request", "Invalid request", {
        detail:
          "a batch takes no Idempotency-Key header: give each request its own `idempotency_key`",
        details: [{ path: "header.idempotency-key", message: "not accepted on a batch" }],
      });
    }
    const requests = batchRequests(
      await readJsonBody(request, options.maxBodyBytes),
      options.maxRequests,
    );
    const answers = requests.map((element) =>
      answerBatchElement(options.relay, element, identity, signal, log),
    );
    if (wantsEventStream(request.headers.accept)) {
      await streamAnswers(response, answers);
      return;
    }
    const settled = await Promise.all(answers);
    writeJson(
      response,
      200,
      settled.map((answer) => answer.body),
    );
  };
}
