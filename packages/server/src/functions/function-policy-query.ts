import type { RequestedPolicy } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";

/** The query parameters of a numeric function call: the members of its policy. */
export const POLICY_QUERY_PARAMETERS = ["max_gas", "max_memory", "max_time"] as const;

/**
 * The policy a numeric function call sets in its query (`?max_gas=…&max_memory=…&max_time=…`):
 * positive integers (gas units, bytes, milliseconds), each at most once. The pipeline then
 * applies the server's bounds and the caller's caps, as for the execute route's `policy`.
 * @throws HttpProblem 400 naming a parameter that is unknown, repeated or not a positive integer.
 */
export function policyFromQuery(query: URLSearchParams): RequestedPolicy {
  const policy: RequestedPolicy = {};
  const invalid = (path: string, message: string) =>
    httpProblem(400, "invalid-request", "Invalid request", {
      detail: `${path}: ${message}`,
      details: [{ path, message }],
    });
  for (const name of new Set(query.keys())) {
    const path = `query.${name}`;
    if (!(POLICY_QUERY_PARAMETERS as readonly string[]).includes(name)) {
      throw invalid(path, `unknown parameter; a call takes ${POLICY_QUERY_PARAMETERS.join(", ")}`);
    }
    const values = query.getAll(name);
    if (values.length > 1) throw invalid(path, "given more than once");
    const value = values[0]!;
    if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw invalid(path, "must be a positive integer");
    }
    policy[name as (typeof POLICY_QUERY_PARAMETERS)[number]] = Number(value);
  }
  return policy;
}
