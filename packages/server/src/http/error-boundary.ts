import type { IncomingMessage, ServerResponse } from "node:http";
import { problemDocument } from "@wasm-relay/core";
import type { RelayLogger } from "../observability/logger.js";
import { ClientGoneError, isClientGone } from "./client-gone.js";
import { HttpProblem, httpProblem } from "./http-problem.js";
import { describeError, pathForLog } from "./request-target.js";
import { shuttingDownProblem } from "./shutting-down.js";
import { writeProblem } from "./write-answer.js";

/** Answers a request whose handler threw. */
export type ErrorBoundary = (
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
  aborted: boolean,
) => void;

/**
 * The error boundary: whatever was thrown, the request gets an answer or its socket closes. An
 * `HttpProblem` is written as it is; a request aborted by shutdown gets 503 `shutting-down`;
 * anything else is logged and answered 500 `internal-error`. A client that left is not logged
 * as an error, and an answer whose headers were sent is cut off.
 */
export function createErrorBoundary(options: {
  log: (message: string) => void;
  logger: Pick<RelayLogger, "debug">;
}): ErrorBoundary {
  const { log, logger } = options;
  return (request, response, error, aborted) => {
    if (error instanceof ClientGoneError || isClientGone(request, response)) {
      // The client's doing, not the relay's: no stack trace, nobody to answer.
      logger.debug(
        { method: request.method, path: pathForLog(request.url) },
        "the client closed the connection before its answer",
      );
      response.destroy();
      return;
    }
    if (response.headersSent) {
      log(
        `error: ${request.method} ${pathForLog(request.url)} failed after its headers: ${describeError(error)}`,
      );
      response.destroy();
      return;
    }
    let problem: HttpProblem;
    if (error instanceof HttpProblem) {
      problem = error;
    } else if (aborted) {
      problem = shuttingDownProblem();
    } else {
      log(`error: ${request.method} ${pathForLog(request.url)}: ${describeError(error)}`);
      problem = httpProblem(500, "internal-error", "Internal server error", {
        detail: "the relay failed unexpectedly; the request was not recorded and may be retried",
      });
    }
    try {
      writeProblem(response, problem.problem, problem.headers);
    } catch (writeError) {
      // E.g. a header value Node refuses (ERR_INVALID_CHAR): answer without the extra headers.
      log(
        `error: answering ${request.method} ${pathForLog(request.url)}: ${describeError(writeError)}`,
      );
      try {
        for (const name of response.getHeaderNames()) response.removeHeader(name);
        writeProblem(
          response,
          problemDocument(500, "internal-error", "Internal server error", {
            detail: "the relay could not write its answer; the request may be retried",
          }),
        );
      } catch {
        response.destroy();
      }
    }
  };
}
