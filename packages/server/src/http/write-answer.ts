import type { ServerResponse } from "node:http";
import { PROBLEM_CONTENT_TYPE, type Problem } from "@wasm-relay/core";

/** Writes a JSON answer (and ends the response). */
export function writeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    ...headers,
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** Writes a problem document as `application/problem+json`. */
export function writeProblem(
  response: ServerResponse,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  writeJson(response, problem.status, problem, {
    ...headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
  });
}
