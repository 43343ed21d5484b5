import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ServerConfig } from "../config/server-config.js";
import type { ErrorBoundary } from "../http/error-boundary.js";
import { setBodyDeadline } from "../http/read-json-body.js";
import { describeError, isPlainPath, pathForLog, requestUrl } from "../http/request-target.js";
import type { RouteTable } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";

/**
 * Property of a relay's `node:http` server holding a function that returns its OpenAPI
 * document: tells a relay from other local servers, and says what it serves (the test suite
 * checks every answer against the document of the server that gave it).
 */
export const RELAY_OPENAPI_DOCUMENT = Symbol.for("wasm-relay.openapi-document");

/** The `node:http` server of a relay and the requests it has in flight. */
export interface RelayHttpServer {
  /** The underlying server (not yet listening). */
  server: Server;
  /**
   * Stops waiting for the requests in flight: each one's signal aborts (its caller gets 503
   * `shutting-down`), and requests that arrive later are refused the same way.
   */
  abandonInFlight(): void;
}

/**
 * Builds the HTTP server: per request a body deadline (`RELAY_REQUEST_TIMEOUT`), an abort signal
 * of its own, the route the table matches, and the error boundary for whatever is thrown.
 * Node's header and request timeouts are set from the configuration.
 */
export function buildHttpServer(
  config: ServerConfig,
  parts: {
    routes: RouteTable;
    answerError: ErrorBoundary;
    /** The OpenAPI document of the routes (see {@link RELAY_OPENAPI_DOCUMENT}). */
    openApiDocument(): object;
    /** Called first for every request (HTTP metrics); what it throws is logged, not answered. */
    observe(request: IncomingMessage, response: ServerResponse): void;
    log(message: string): void;
  },
): RelayHttpServer {
  // One controller per request in flight, aborted when shutdown stops waiting: no listener
  // gathers on a signal shared by every request.
  const inFlight = new Set<AbortController>();
  let abandoning = false;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const controller = new AbortController();
    inFlight.add(controller);
    setBodyDeadline(request, config.RELAY_REQUEST_TIMEOUT);
    try {
      if (abandoning) throw shuttingDownProblem();
      const target = request.url;
      if (isPlainPath(target)) {
        // A plain path is its own pathname: the URL is parsed only if the handler reads it.
        const { handler, parameters } = parts.routes.match(request.method ?? "GET", target);
        let url: URL | undefined;
        await handler({
          request,
          response,
          get url() {
            url ??= requestUrl(target);
            return url;
          },
          parameters,
          signal: controller.signal,
        });
      } else {
        const url = requestUrl(target);
        const { handler, parameters } = parts.routes.match(request.method ?? "GET", url.pathname);
        await handler({ request, response, url, parameters, signal: controller.signal });
      }
    } catch (error) {
      parts.answerError(request, response, error, controller.signal.aborted);
    } finally {
      inFlight.delete(controller);
    }
  };

  const server = createServer(
    {
      headersTimeout: config.RELAY_HEADERS_TIMEOUT,
      // A backstop behind the body deadline (a 408 problem), which always comes first.
      requestTimeout: config.RELAY_HEADERS_TIMEOUT + config.RELAY_REQUEST_TIMEOUT + 1_000,
      // How often Node checks those two bounds (its default is 30 s).
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(config.RELAY_HEADERS_TIMEOUT / 4)),
      ),
      keepAliveTimeout: 5_000,
    },
    (request, response) => {
      try {
        parts.observe(request, response);
      } catch (error) {
        parts.log(`warning: HTTP metrics: ${describeError(error)}`);
      }
      handle(request, response).catch((error: unknown) => {
        parts.log(`error: ${request.method} ${pathForLog(request.url)}: ${describeError(error)}`);
        response.destroy();
      });
    },
  );

  Object.defineProperty(server, RELAY_OPENAPI_DOCUMENT, { value: parts.openApiDocument });
  return {
    server,
    abandonInFlight() {
      abandoning = true;
      for (const controller of inFlight) controller.abort(new Error("server shutting down"));
    },
  };
}

/**
 * Starts listening.
 * @returns the base URL (`http://host:port`, IPv6 hosts in brackets).
 * @throws the server's error (e.g. `EADDRINUSE`).
 */
export function startListening(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        resolve(String(address));
        return;
      }
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}
