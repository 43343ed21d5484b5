import type { Problem } from "@wasm-relay/core";
import { problemDocument } from "@wasm-relay/core";

/**
 * An error that carries the problem document to answer with. Thrown by request parsing and
 * route handlers; the server writes it as `application/problem+json`.
 */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  /** Extra response headers (e.g. `Allow`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;
  constructor(
    readonly problem: Problem,
    headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.headers = headers;
  }
}

/** Builds an {@link HttpProblem}: see `problemDocument` in core for the members. */
export function httpProblem(
  status: number,
  slug: string,
  title: string,
  extra: Parameters<typeof problemDocument>[3] = {},
  headers: Record<string, string> = {},
): HttpProblem {
  return new HttpProblem(problemDocument(status, slug, title, extra), headers);
}
