import type { JsonValue } from "@wasm-relay/core";

/** What a `cgi` run gives the module: its environment, argv[0] and stdin. */
export interface CgiRun {
  /** Environment entries, `NAME=value`, in the order given. */
  environment: string[];
  /** argv[0]: the `SCRIPT_NAME` variable when set, else `module`. */
  scriptName: string;
  /** The request body (decoded from base64). */
  stdin: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the inputs of a `cgi` run (`{ environment: { NAME: value }, body: base64 }`, as core's
 * `cgiInputsSchema` validates them), or undefined when they do not have that shape: the worker
 * checks again because an executor may be handed a task that never went through the schema.
 */
export function cgiRun(inputs: JsonValue): CgiRun | undefined {
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) return undefined;
  const { environment, body = "" } = inputs;
  if (environment === null || typeof environment !== "object" || Array.isArray(environment))
    return undefined;
  if (typeof body !== "string" || !BASE64.test(body)) return undefined;
  const entries: string[] = [];
  for (const [name, value] of Object.entries(environment)) {
    if (!VARIABLE_NAME.test(name) || typeof value !== "string" || value.includes("\u0000"))
      return undefined;
    entries.push(`${name}=${value}`);
  }
  const scriptName = environment.SCRIPT_NAME;
  return {
    environment: entries,
    scriptName: typeof scriptName === "string" && scriptName !== "" ? scriptName : "module",
    stdin: new Uint8Array(Buffer.from(body, "base64")),
  };
}
