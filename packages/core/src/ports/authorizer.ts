import type { ExecutionPriority } from "../schemas/execute-request.js";
import type { Policy } from "../schemas/policy.js";

/**
 * What a caller asks to do: `execute_wasm` (resource: the reference as written), `upload_module`
 * (resource: `modules`), `read_module` (download of `GET /modules/{cid}`; resource: the CID as
 * written), `publish_glyph` (claim a name or move its tag; resource: `glyph://name@tag`),
 * `read_events` (resource: the event stream's scope), `invoke_function` (a call of a function
 * endpoint `/fn/{name}@{tag}/…`; resource: `glyph://name@tag`).
 */
export type AuthorizationAction =
  | "execute_wasm"
  | "upload_module"
  | "read_module"
  | "publish_glyph"
  | "read_events"
  | "invoke_function";

/** The actions an execution is authorized as: the execute route's, or a function endpoint's. */
export type ExecutionAction = Extract<AuthorizationAction, "execute_wasm" | "invoke_function">;

/** The question put to "Antigone". */
export interface AuthorizationRequest {
  user_id: string;
  roles: readonly string[];
  action: AuthorizationAction;
  /** The module reference (or other resource) acted upon. */
  resource: string;
  context: {
    session_id?: string | undefined;
    policy?: Policy | undefined;
    /** The queue priority asked for (`execute_wasm`); refuse it to deny the request. */
    priority?: ExecutionPriority | undefined;
  };
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

/**
 * Lets everything through: the default for development. Structural rules hold under it too
 * (the server refuses `@scope/…` names to other users and reserved names to non-operators
 * whatever the authorizer says).
 */
export const allowAllAuthorizer: Authorizer = {
  authorize: async () => ({ allowed: true }),
};
