import type { IncomingHttpHeaders } from "node:http";

/** The parts of a request a CGI environment is built from. */
export interface CgiRequest {
  /** `GET`, `POST`, … */
  method: string;
  /** The request URL (its query string becomes `QUERY_STRING`, as sent). */
  url: URL;
  /** Request headers, as Node parsed them (lower-case names). */
  headers: IncomingHttpHeaders;
  /** `/fn/name@tag`: the part of the path that names the module. */
  scriptName: string;
  /** The rest of the path after {@link scriptName}, percent-decoded (`/` or `/a/b`). */
  pathInfo: string;
  /** The same, as sent (not decoded). */
  rawPathInfo: string;
  /** Bytes of the body (stdin). */
  contentLength: number;
  /** The caller's user id (`REMOTE_USER`). */
  userId: string;
  /** The peer's address (`REMOTE_ADDR`). */
  remoteAddress: string;
  /** `SERVER_NAME` and `SERVER_PORT`: from the `Host` header, else the listening address. */
  serverName: string;
  serverPort: string;
  /** `HTTP/1.1`. */
  serverProtocol: string;
}

/**
 * Request headers never passed to a module as `HTTP_*`: credentials the relay consumes
 * (`Authorization`, `Proxy-Authorization`, `Cookie`, the dev identity headers), headers the
 * relay acts on (`Idempotency-Key`), hop-by-hop headers, `Proxy` (it would become `HTTP_PROXY`,
 * which many HTTP libraries read as their proxy: "httpoxy"), and `Content-Type` /
 * `Content-Length`, which CGI passes as `CONTENT_TYPE` / `CONTENT_LENGTH`.
 */
export const WITHHELD_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "user_id",
  "user-id",
  "session_id",
  "session-id",
  "idempotency-key",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy",
  "content-type",
  "content-length",
]);

/** `SERVER_SOFTWARE`. */
export const CGI_SERVER_SOFTWARE = "wasm-relay";

/**
 * The CGI/1.1 environment (RFC 3875 §4.1) of a function call, with the variables WAGI adds:
 * `AUTH_TYPE` (empty), `CONTENT_LENGTH`, `CONTENT_TYPE`, `GATEWAY_INTERFACE` (`CGI/1.1`),
 * `PATH_INFO`, `PATH_TRANSLATED` (= `PATH_INFO`: there is no file system), `QUERY_STRING` (as
 * sent, without `?`), `REMOTE_ADDR`, `REMOTE_HOST` (= `REMOTE_ADDR`), `REMOTE_USER` (the relay's
 * user id of the caller), `REQUEST_METHOD`, `SCRIPT_NAME` (`/fn/name@tag`), `SERVER_NAME`,
 * `SERVER_PORT`, `SERVER_PROTOCOL`, `SERVER_SOFTWARE`, `X_MATCHED_ROUTE` (`/fn/name@tag/...`),
 * `X_FULL_URL`, `X_RAW_PATH_INFO`, and one `HTTP_<NAME>` per request header (upper case, `-`
 * → `_`; repeated headers joined with `, `) except {@link WITHHELD_REQUEST_HEADERS} and names
 * that do not make a variable name.
 */
export function cgiEnvironment(request: CgiRequest): Record<string, string> {
  const environment: Record<string, string> = {
    AUTH_TYPE: "",
    CONTENT_LENGTH: String(request.contentLength),
    CONTENT_TYPE: first(request.headers["content-type"]) ?? "",
    GATEWAY_INTERFACE: "CGI/1.1",
    PATH_INFO: request.pathInfo,
    PATH_TRANSLATED: request.pathInfo,
    QUERY_STRING: request.url.search.replace(/^\?/, ""),
    REMOTE_ADDR: request.remoteAddress,
    REMOTE_HOST: request.remoteAddress,
    REMOTE_USER: request.userId,
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: request.scriptName,
    SERVER_NAME: request.serverName,
    SERVER_PORT: request.serverPort,
    SERVER_PROTOCOL: request.serverProtocol,
    SERVER_SOFTWARE: CGI_SERVER_SOFTWARE,
    X_MATCHED_ROUTE: `${request.scriptName}/...`,
    X_FULL_URL: request.url.href,
    X_RAW_PATH_INFO: request.rawPathInfo,
  };
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || WITHHELD_REQUEST_HEADERS.has(name)) continue;
    const variable = `HTTP_${name.toUpperCase().replaceAll("-", "_")}`;
    if (!/^[A-Z0-9_]+$/.test(variable)) continue;
    environment[variable] = Array.isArray(value) ? value.join(", ") : value;
  }
  return environment;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
