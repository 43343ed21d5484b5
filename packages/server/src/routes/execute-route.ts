import type { Relay } from "@wasm-relay/core";
import { outcomeToHttp } from "@wasm-relay/core";
import { readJsonBody } from "../http/read-json-body.js";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";

/** `POST /intent/execute-wasm`: authenticate, parse, run the pipeline, write its answer. */
export function executeRoute(options: {
  relay: Relay;
  authenticator: Authenticator;
  maxBodyBytes: number;
  signal: AbortSignal;
}): RouteHandler {
  return async ({ request, response }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const body = await readJsonBody(request, options.maxBodyBytes);
    const header = request.headers["idempotency-key"];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    const outcome = await options.relay.execute(body, identity, {
      idempotencyKey: idempotencyKey?.trim() || undefined,
      signal: options.signal,
    });
    const answer = outcomeToHttp(outcome, options.relay.config.rateLimit.windowMs);
    writeJson(response, answer.status, answer.body, answer.headers);
  };
}
