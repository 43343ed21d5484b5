import type { IncomingHttpHeaders } from "node:http";
import { httpProblem } from "../http/http-problem.js";
import type { Authenticator } from "./authenticator.js";

const IDENTIFIER = /^[A-Za-z0-9._:@-]{1,128}$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The header `name` (e.g. `user_id`), also accepted as spelled with a hyphen (`user-id`).
 * @throws HttpProblem 400 when both spellings are sent with different values: which one a
 *   proxy in front of the relay looked at cannot be known, so neither is trusted.
 */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const hyphenated = name.replace(/_/g, "-");
  const underscored = first(headers[name]);
  const hyphenatedValue = first(headers[hyphenated]);
  if (
    underscored !== undefined &&
    hyphenatedValue !== undefined &&
    underscored.trim() !== hyphenatedValue.trim()
  ) {
    throw httpProblem(400, "invalid-request", "Invalid request", {
      detail: `${name} and ${hyphenated} are both sent, with different values; send one of them`,
      details: [{ path: `header.${name}`, message: `differs from the ${hyphenated} header` }],
    });
  }
  return underscored ?? hyphenatedValue;
}

/**
 * The seed's identity: trusts the `user_id` and `session_id` headers (also spelled `user-id`,
 * `session-id`, since some proxies drop underscores; a request carrying both spellings with
 * different values is refused with 400). For development only: anyone can claim to be anyone.
 */
export function createDevHeadersAuthenticator(): Authenticator {
  return {
    name: "dev-headers",
    async authenticate(headers) {
      const userId = header(headers, "user_id")?.trim();
      if (!userId) {
        throw httpProblem(
          401,
          "unauthenticated",
          "Authentication required",
          {
            detail:
              'this server identifies callers by headers (RELAY_AUTH=dev-headers, for development): send a user_id header, e.g. curl -H "user_id: alice"; the event stream shows the executions of that same user_id',
          },
          { "WWW-Authenticate": 'Header realm="wasm-relay", header="user_id"' },
        );
      }
      if (!IDENTIFIER.test(userId)) {
        throw httpProblem(400, "invalid-request", "Invalid request", {
          detail: "user_id must be 1–128 characters of letters, digits, . _ : @ -",
          details: [
            {
              path: "header.user_id",
              message: "must be 1–128 characters of letters, digits, . _ : @ -",
            },
          ],
        });
      }
      const sessionId = header(headers, "session_id")?.trim();
      return { userId, sessionId: sessionId || undefined, roles: [] };
    },
  };
}
