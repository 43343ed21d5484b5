import type { IncomingHttpHeaders } from "node:http";
import type { HttpProblem } from "../http/http-problem.js";
import { httpProblem } from "../http/http-problem.js";

/** Realm named in `WWW-Authenticate` challenges. */
export const AUTHENTICATION_REALM = "wasm-relay";

/**
 * The 401 answer of a bearer authenticator (RFC 6750 §3): without `error` when no credentials
 * came, with `error="invalid_token"` when they were wrong.
 * @param detail what was wrong, shown to the caller.
 * @param invalidToken true when a token was sent but refused.
 */
export function bearerChallenge(detail: string, invalidToken: boolean): HttpProblem {
  const quoted = detail.replace(/["\\]/g, "'");
  const challenge = invalidToken
    ? `Bearer realm="${AUTHENTICATION_REALM}", error="invalid_token", error_description="${quoted}"`
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
