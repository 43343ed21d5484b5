import type { JsonValue } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";

function invalid(message: string) {
  return httpProblem(400, "invalid-request", "Invalid request", {
    detail: `(body): ${message}`,
    details: [{ path: "(body)", message }],
  });
}

/**
 * The arguments of a numeric function call, in order: the body's JSON array as it is, or its
 * JSON object of named arguments put in the order `names` declares (the tag's
 * `function.parameters[entry]`). An empty body is no arguments.
 * @param text the body, as text
 * @param names the entry's declared parameter names, when its glyph tag declares them
 * @throws HttpProblem 400 for a body that is not JSON, not an array or object, an object when
 *   no names are declared, or an object whose members are not exactly the declared names.
 */
export function numericArguments(text: string, names: readonly string[] | undefined): JsonValue[] {
  if (text.trim() === "") return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw httpProblem(400, "malformed-json", "Malformed JSON", {
      detail: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      details: [{ path: "(body)", message: "not valid JSON" }],
    });
  }
  if (Array.isArray(body)) return body as JsonValue[];
  if (body === null || typeof body !== "object") {
    throw invalid("must be a JSON array of arguments ([5, 3]) or an object of named arguments");
  }
  if (names === undefined) {
    throw invalid(
      'this entry declares no parameter names: send a JSON array of arguments ([5, 3]); the glyph\'s owner can declare names (function.parameters, e.g. {"main": ["a", "b"]})',
    );
  }
  const given = body as Record<string, JsonValue>;
  const unknown = Object.keys(given).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw invalid(
      `unknown argument ${unknown.map((name) => JSON.stringify(name)).join(", ")}; the entry takes ${names.join(", ") || "no arguments"}`,
    );
  }
  const missing = names.filter((name) => !Object.hasOwn(given, name));
  if (missing.length > 0) {
    throw invalid(`missing argument ${missing.map((name) => JSON.stringify(name)).join(", ")}`);
  }
  return names.map((name) => given[name]!);
}
