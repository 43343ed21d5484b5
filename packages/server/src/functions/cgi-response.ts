/** Bounds of a module's CGI response header block. */
export interface CgiResponseLimits {
  /** Most bytes of the header block, up to and including the blank line. @unit bytes @default 16384 */
  maxHeaderBytes: number;
  /** Most header lines. @default 64 */
  maxHeaders: number;
}

/** The defaults of {@link CgiResponseLimits}. */
export const DEFAULT_CGI_RESPONSE_LIMITS: CgiResponseLimits = {
  maxHeaderBytes: 16_384,
  maxHeaders: 64,
};

/** A module's response, checked: what the relay writes. */
export interface CgiResponse {
  /** 200 unless `Status` (or `Location`, 302) said otherwise; 200–599. */
  status: number;
  /** Header names as the module wrote them, values trimmed; `Content-Type` always set. */
  headers: [name: string, value: string][];
  /** The bytes after the blank line. */
  body: Uint8Array;
}

/** Why a module's output is not a response the relay will pass on (answered as 502). */
export class InvalidCgiResponseError extends Error {
  override readonly name = "InvalidCgiResponseError";
}

/**
 * Headers a module may not set: the relay owns them. Hop-by-hop and framing headers
 * (`Connection`, `Transfer-Encoding`, `Content-Length`, …: the relay frames the answer), the
 * relay's own (`Relay-*`, `RateLimit*`, `Idempotent-Replayed`, `Retry-After`), the security
 * headers it sets on every function answer (`Content-Security-Policy`,
 * `X-Content-Type-Options`) and the ones that widen what a page may do (`Access-Control-*`,
 * `Cross-Origin-*`, `Strict-Transport-Security`, `Permissions-Policy`, `Clear-Site-Data`),
 * and `Set-Cookie`: every module answers from the relay's origin, so a cookie one sets would
 * be sent to all the others (and to the relay).
 */
const RELAY_OWNED_HEADER =
  /^(connection|keep-alive|proxy-connection|proxy-authenticate|te|trailer|transfer-encoding|upgrade|content-length|content-security-policy(-report-only)?|x-content-type-options|strict-transport-security|permissions-policy|clear-site-data|set-cookie2?|idempotent-replayed|retry-after|www-authenticate|alt-svc|relay-.*|ratelimit.*|access-control-.*|cross-origin-.*)$/i;

/** An RFC 9110 token: what a header name is. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space and tab: what a header value may hold (no CR, LF, NUL, DEL, bytes ≥ 0x80). */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/** Whether a module may set the header `name` (see {@link parseCgiResponse}). */
export function isRelayOwnedHeader(name: string): boolean {
  return RELAY_OWNED_HEADER.test(name);
}

/**
 * Parses a module's stdout as a CGI response (RFC 3875 §6): header lines (`Name: value`, ended
 * by LF or CRLF), a blank line, the body. `Status: 404 Not Found` sets the status (200–599); a
 * `Location` without `Status` makes it 302; `Content-Type` defaults to
 * `application/octet-stream`. Everything else is refused rather than repaired: a header block
 * over its limits or without its blank line, a header name that is not a token, a value with a
 * control character or a lone CR (header injection), a folded line, an invalid or 1xx status, a
 * `Location` that is not a URL or absolute path, and any header the relay owns
 * ({@link isRelayOwnedHeader}, `Set-Cookie` included).
 * @throws {@link InvalidCgiResponseError} saying what is wrong.
 */
export function parseCgiResponse(
  stdout: Uint8Array,
  limits: CgiResponseLimits = DEFAULT_CGI_RESPONSE_LIMITS,
): CgiResponse {
  const end = headerBlockEnd(stdout, limits.maxHeaderBytes);
  const block = new TextDecoder("latin1").decode(stdout.subarray(0, end.headers));
  const lines = block === "" ? [] : block.split("\n").map((line) => line.replace(/\r$/, ""));
  if (lines.length > limits.maxHeaders) {
    throw new InvalidCgiResponseError(
      `the response has ${lines.length} header lines; at most ${limits.maxHeaders} are allowed`,
    );
  }
  let status: number | undefined;
  let location: string | undefined;
  let contentType: string | undefined;
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      throw new InvalidCgiResponseError("folded header lines (obs-fold) are not allowed");
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    if (colon < 0 || !TOKEN.test(name)) {
      throw new InvalidCgiResponseError(
        `${JSON.stringify(shorten(line))} is not a header line (Name: value)`,
      );
    }
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) {
      throw new InvalidCgiResponseError(
        `the value of ${name} holds a control character (CR, LF, NUL…) or a byte outside ASCII`,
      );
    }
    const lower = name.toLowerCase();
    if (lower === "status") {
      if (status !== undefined) throw new InvalidCgiResponseError("Status is set twice");
      status = parseStatus(value);
      continue;
    }
    if (isRelayOwnedHeader(name)) {
      throw new InvalidCgiResponseError(`a module may not set ${name}: the relay owns it`);
    }
    if (lower === "content-type") {
      if (contentType !== undefined) throw new InvalidCgiResponseError("Content-Type is set twice");
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/.test(value)) {
        throw new InvalidCgiResponseError(`${JSON.stringify(value)} is not a media type`);
      }
      contentType = value;
    }
    if (lower === "location") {
      if (location !== undefined) throw new InvalidCgiResponseError("Location is set twice");
      location = checkedLocation(value);
    }
    headers.push([name, value]);
  }
  if (contentType === undefined) headers.push(["Content-Type", "application/octet-stream"]);
  return {
    status: status ?? (location !== undefined ? 302 : 200),
    headers,
    body: stdout.subarray(end.body),
  };
}

/** Where the header block ends (before its blank line) and the body starts. */
function headerBlockEnd(stdout: Uint8Array, maxHeaderBytes: number) {
  if (stdout[0] === 0x0d && stdout[1] === 0x0a) return { headers: 0, body: 2 };
  const scanned = Math.min(stdout.length, maxHeaderBytes);
  for (let index = 0; index < scanned; index += 1) {
    if (stdout[index] !== 0x0a) continue;
    // A blank line: LF right at the start, LF LF, or LF CR LF.
    if (index === 0) return { headers: 0, body: 1 };
    if (stdout[index + 1] === 0x0a) return { headers: index, body: index + 2 };
    if (stdout[index + 1] === 0x0d && stdout[index + 2] === 0x0a) {
      return { headers: index, body: index + 3 };
    }
  }
  throw new InvalidCgiResponseError(
    stdout.length > maxHeaderBytes
      ? `the header block is over ${maxHeaderBytes} bytes (or has no blank line)`
      : "the output has no blank line ending its headers (a CGI response is headers, a blank line, the body)",
  );
}

function parseStatus(value: string): number {
  const match = /^([1-5][0-9]{2})(?: [\t\x20-\x7e]*)?$/.exec(value);
  const status = match ? Number(match[1]) : Number.NaN;
  if (!(status >= 200 && status <= 599)) {
    throw new InvalidCgiResponseError(
      `Status ${JSON.stringify(shorten(value))} is not a final status code (200–599)`,
    );
  }
  return status;
}

function checkedLocation(value: string): string {
  if (value.startsWith("/") && !value.startsWith("//")) return value;
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value;
  } catch {
    // Refused below.
  }
  throw new InvalidCgiResponseError(
    `Location ${JSON.stringify(shorten(value))} is neither an absolute path nor an http(s) URL`,
  );
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
