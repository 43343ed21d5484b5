import type { Relay, RelayOutcome } from "@wasm-relay/core";
import { outcomeToHttp } from "@wasm-relay/core";
import { readJsonBody } from "../http/read-json-body.js";
import type { RouteHandler } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";

/**
 * `POST /intent/execute-wasm`: authenticate, parse, run the pipeline, write its answer. The
 * request's signal (aborted when shutdown stops waiting) aborts the pipeline, which releases
 * the idempotency lease; the caller then gets 503 with `Retry-After`.
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
