import type { Policy } from "../schemas/policy.js";

/** What a caller asks to do. */
export type AuthorizationAction =
  | "execute_wasm"
  | "upload_module"
  | "publish_glyph"
  | "read_events";

/** The question put to "Antigone". */
export interface AuthorizationRequest {
  user_id: string;
  roles: readonly string[];
  action: AuthorizationAction;
  /** The module reference (or other resource) acted upon. */
  resource: string;
  context: { session_id?: string | undefined; policy?: Policy | undefined };
}

/** Antigone's answer. */
export interface AuthorizationDecision {
  allowed: boolean;
  /** Why it was refused (shown to the caller). */
  reason?: string | undefined;
  /** A tighter policy the caller must run under, when a rule caps it. */
  policy?: Policy | undefined;
}

/** "Antigone": decides whether a user may act on a resource. */
export interface Authorizer {
  authorize(request: AuthorizationRequest): Promise<AuthorizationDecision>;
}

/** Lets everything through: the default for development. */
export const allowAllAuthorizer: Authorizer = {
  authorize: async () => ({ allowed: true }),
};
