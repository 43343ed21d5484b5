import type { IncomingHttpHeaders } from "node:http";
import type { Identity } from "@wasm-relay/core";

/** Establishes who is calling from a request's headers. */
export interface Authenticator {
  /** Short name shown in health and logs (e.g. `dev-headers`). */
  readonly name: string;
  /**
   * @returns the caller's identity.
   * @throws HttpProblem 401 (with `WWW-Authenticate`) when credentials are missing or bad.
   */
  authenticate(headers: IncomingHttpHeaders): Promise<Identity>;
}
