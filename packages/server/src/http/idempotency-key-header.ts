import type { IncomingMessage } from "node:http";
import { LONGEST_IDEMPOTENCY_KEY } from "@wasm-relay/core";
import { httpProblem } from "./http-problem.js";

/**
 * The request's `Idempotency-Key` header, trimmed (`undefined` when absent or blank).
 * @throws HttpProblem 400 `invalid-request` when it is longer than the body's `idempotency_key`
 *   may be (LONGEST_IDEMPOTENCY_KEY characters): the key becomes a store key.
 */
export function idempotencyKeyHeader(request: IncomingMessage): string | undefined {
  const header = request.headers["idempotency-key"];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  if (key !== undefined && key.length > LONGEST_IDEMPOTENCY_KEY) {
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
  return key || undefined;
}
