import type { IncomingHttpHeaders } from "node:http";
import type { HttpProblem } from "../http/http-problem.js";
import { httpProblem } from "../http/http-problem.js";

/** Realm named in `WWW-Authenticate` challenges. */
export const AUTHENTICATION_REALM = "wasm-relay";

/** Longest `error_description` written into a challenge. @unit characters */
export const LONGEST_ERROR_DESCRIPTION = 200;

/**
 * Text made safe for a quoted `error_description` (RFC 6750 §3: `%x20-21 / %x23-5B / %x5D-7E`):
 * every character outside printable ASCII becomes `?`, `"` and `\` become `'`, and the result is
 * cut to {@link LONGEST_ERROR_DESCRIPTION} characters. A header value is never built from text
 * that has not passed through here, so no claim or message can make `writeHead` throw.
 */
export function errorDescription(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, "'");
  return safe.length > LONGEST_ERROR_DESCRIPTION
    ? `${safe.slice(0, LONGEST_ERROR_DESCRIPTION - 3)}...`
    : safe;
}

/**
 * The 401 answer of a bearer authenticator (RFC 6750 §3): without `error` when no credentials
 * came, with `error="invalid_token"` when they were wrong.
 * @param detail what was wrong, shown to the caller (in the problem document as is; in the
 *   `WWW-Authenticate` header through {@link errorDescription}).
 * @param invalidToken true when a token was sent but refused.
 */
export function bearerChallenge(detail: string, invalidToken: boolean): HttpProblem {
  const challenge = invalidToken
    ? `Bearer realm="${AUTHENTICATION_REALM}", error="invalid_token", error_description="${errorDescription(detail)}"`
    : `Bearer realm="${AUTHENTICATION_REALM}"`;
  return httpProblem(
    401,
    "unauthenticated",
    "Authentication required",
    { detail },
    { "WWW-Authenticate": challenge },
  );
}

/**
 * Reads the token of an `Authorization: Bearer <token>` header. Identity headers such as
 * `user_id` are never consulted by token authenticators.
 * @throws HttpProblem 401 when the header is missing, of another scheme, or empty.
 */
export function readBearerToken(headers: IncomingHttpHeaders): string {
  const header = headers.authorization;
  if (!header) throw bearerChallenge("send Authorization: Bearer <token>", false);
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  if (!match) {
    throw bearerChallenge("the Authorization header must be Bearer <token>", false);
  }
  return match[1]!;
}
