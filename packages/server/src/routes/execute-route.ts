import type { Relay, RelayOutcome } from "@wasm-relay/core";
import { outcomeToHttp } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import type { RouteHandler } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";

/** Longest `Idempotency-Key` header accepted, as for the body's `idempotency_key`. */
const LONGEST_IDEMPOTENCY_KEY = 255;

/**
 * `POST /intent/execute-wasm`: authenticate, parse, run the pipeline, write its answer. The
 * request's signal (aborted when shutdown stops waiting) aborts the pipeline, which releases
 * the idempotency lease; the caller then gets 503 with `Retry-After`.
 * @throws HttpProblem 400 for an `Idempotency-Key` header over 255 characters; the body
 *   reader's and authenticator's problems as they come.
 */
export function executeRoute(options: {
  relay: Relay;
  authenticator: Authenticator;
  maxBodyBytes: number;
}): RouteHandler {
  return async ({ request, response, signal }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const body = await readJsonBody(request, options.maxBodyBytes);
    const header = request.headers["idempotency-key"];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    if (idempotencyKey !== undefined && idempotencyKey.trim().length > LONGEST_IDEMPOTENCY_KEY) {
      // The same bound as the body's `idempotency_key`: the key becomes a store key.
      throw httpProblem(400, "invalid-request", "Invalid request", {
        detail: `the Idempotency-Key header must be at most ${LONGEST_IDEMPOTENCY_KEY} characters`,
        details: [
          {
            path: "header.idempotency-key",
            message: `must be at most ${LONGEST_IDEMPOTENCY_KEY} characters`,
          },
        ],
      });
    }
    let outcome: RelayOutcome;
    try {
      outcome = await options.relay.execute(body, identity, {
        idempotencyKey: idempotencyKey?.trim() || undefined,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw shuttingDownProblem();
      throw error;
    }
    const answer = outcomeToHttp(outcome, options.relay.config.rateLimit.windowMs);
    writeJson(response, answer.status, answer.body, answer.headers);
  };
}
