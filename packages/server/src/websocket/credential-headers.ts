import type { IncomingHttpHeaders } from "node:http";
import type { ConnectionCredentials } from "@wasm-relay/core";

/** Headers that carry an identity, replaced as a whole by `connection_init` credentials. */
const IDENTITY_HEADERS = ["authorization", "user_id", "user-id", "session_id", "session-id"];

/**
 * The headers the server's authenticator reads for a WebSocket connection: the upgrade request's,
 * with its identity headers replaced by the `connection_init` credentials when these carry any
 * (`token` and `api_key` as `Authorization: Bearer …`, `user_id` / `session_id` as the
 * development identity's headers). So a connection is identified exactly as an HTTP request is.
 */
export function credentialHeaders(
  upgrade: IncomingHttpHeaders,
  credentials: ConnectionCredentials | undefined,
): IncomingHttpHeaders {
  const given = credentials ?? {};
  const secret = given.token ?? given.api_key;
  if (secret === undefined && given.user_id === undefined && given.session_id === undefined) {
    return upgrade;
  }
  const headers: IncomingHttpHeaders = { ...upgrade };
  for (const name of IDENTITY_HEADERS) delete headers[name];
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  if (given.user_id !== undefined) headers.user_id = given.user_id;
  if (given.session_id !== undefined) headers.session_id = given.session_id;
  return headers;
}
