import type { Problem } from "../schemas/problem.js";

/** Media type of problem documents (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Base of the `type` URIs of wasm-relay's problems. */
export const PROBLEM_TYPE_BASE = "https://wasm-relay.dev/problems/";

/**
 * Builds a problem document whose `type` is `PROBLEM_TYPE_BASE + slug`, keeping the seed's
 * `error` member equal to `title`.
 */
export function problemDocument(
  status: number,
  slug: string,
  title: string,
  extra: Omit<Partial<Problem>, "type" | "title" | "status" | "error"> = {},
): Problem {
  return { type: `${PROBLEM_TYPE_BASE}${slug}`, title, status, error: title, ...extra };
}
