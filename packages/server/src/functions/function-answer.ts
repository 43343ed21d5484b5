import type { ServerResponse } from "node:http";
import {
  type ExecuteResponse,
  type ExecutionErrorCode,
  outcomeToHttp,
  type Problem,
  problemDocument,
  type RelayOutcome,
} from "@wasm-relay/core";
import { writeJson, writeProblem } from "../http/write-answer.js";
import {
  type CgiResponseLimits,
  InvalidCgiResponseError,
  parseCgiResponse,
} from "./cgi-response.js";
import type { FunctionModuleKind } from "./function-module-kind.js";

/**
 * Headers a function endpoint sets on every answer of a module that ran: `Relay-Request-Id`
 * (the request's content hash), `Relay-Gas-Used` (gas units; absent when not metered) and
 * `Relay-Duration` (milliseconds).
 */
export function relayRunHeaders(response: ExecuteResponse): Record<string, string> {
  const headers: Record<string, string> = {
    "Relay-Request-Id": response.request_id,
    "Relay-Duration": String(response.duration),
  };
  if (response.gas_used !== null) headers["Relay-Gas-Used"] = String(response.gas_used);
  return headers;
}

/**
 * Headers the relay sets on every CGI answer, whatever the module wrote: the module's page is
 * served from the relay's origin, so it gets a sandboxed, script-less document
 * (`Content-Security-Policy: sandbox`, an opaque origin: no access to the relay's storage)
 * and no content sniffing.
 */
export const CGI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "sandbox",
  "X-Content-Type-Options": "nosniff",
};

/**
 * The HTTP status of a run that failed, by its `error.code`: 504 for `timeout`, 400 for
 * `invalid_input` (the arguments do not fit the entry), 404 for `entry_not_found`, 422 for
 * every other failure of the module (`trap`, `gas_exhausted`, `memory_limit`, `exit`,
 * `output_too_large`, `invalid_module`).
 */
export function failedRunStatus(code: ExecutionErrorCode): number {
  if (code === "timeout") return 504;
  if (code === "invalid_input") return 400;
  if (code === "entry_not_found") return 404;
  return 422;
}

/** The problem document of a run that failed: `code` is the execute route's `error.code`. */
export function failedRunProblem(response: Extract<ExecuteResponse, { success: false }>): Problem {
  return problemDocument(
    failedRunStatus(response.error.code),
    "execution-failed",
    "Execution failed",
    {
      detail: response.error.message,
      code: response.error.code,
      request_id: response.request_id,
      gas_used: response.gas_used,
      duration: response.duration,
    },
  );
}

/**
 * Writes the answer of a function call: the pipeline's refusals exactly as the execute route
 * writes them; a failed run as {@link failedRunProblem}; a numeric run's output as JSON; a CGI
 * run's stdout as the response it describes (or 502 `invalid-function-response` when it is not
 * one the relay passes on). Every answer of a module that ran has {@link relayRunHeaders}.
 */
export function writeFunctionAnswer(
  response: ServerResponse,
  outcome: RelayOutcome,
  options: {
    kind: FunctionModuleKind;
    windowMs: number;
    /** `HEAD`: headers only. */
    headOnly: boolean;
    cgiLimits?: CgiResponseLimits | undefined;
  },
): void {
  const answer = outcomeToHttp(outcome, options.windowMs);
  if (outcome.kind !== "executed" && outcome.kind !== "replayed") {
    writeJson(response, answer.status, answer.body, answer.headers);
    return;
  }
  const run = outcome.response;
  const { "Content-Type": _json, ...pipelineHeaders } = answer.headers;
  const headers = { ...pipelineHeaders, ...relayRunHeaders(run) };
  if (!run.success) {
    writeProblem(response, failedRunProblem(run), headers);
    return;
  }
  if (options.kind === "numeric") {
    writeJson(response, 200, run.output, headers);
    return;
  }
  const stdout = Buffer.from(typeof run.output === "string" ? run.output : "", "base64");
  let cgi: ReturnType<typeof parseCgiResponse>;
  try {
    cgi = parseCgiResponse(stdout, options.cgiLimits);
  } catch (error) {
    if (!(error instanceof InvalidCgiResponseError)) throw error;
    writeProblem(
      response,
      problemDocument(502, "invalid-function-response", "Invalid function response", {
        detail: `the module's output is not a response the relay passes on: ${error.message}`,
        request_id: run.request_id,
      }),
      headers,
    );
    return;
  }
  const written: [string, string][] = [...cgi.headers];
  for (const [name, value] of Object.entries({ ...headers, ...CGI_SECURITY_HEADERS })) {
    written.push([name, value]);
  }
  written.push(["Content-Length", String(cgi.body.length)]);
  response.writeHead(cgi.status, written.flat());
  response.end(options.headOnly ? undefined : cgi.body);
}
