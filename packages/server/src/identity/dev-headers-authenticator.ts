import type { IncomingHttpHeaders } from "node:http";
import { httpProblem } from "../http/http-problem.js";
import type { Authenticator } from "./authenticator.js";

const IDENTIFIER = /^[A-Za-z0-9._:@-]{1,128}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name] ?? headers[name.replace(/_/g, "-")];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The seed's identity: trusts the `user_id` and `session_id` headers (also spelled `user-id`,
 * `session-id`, since some proxies drop underscores). For development only: anyone can claim
 * to be anyone.
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
          { detail: "send a user_id header (dev-headers identity)" },
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
