import type {
  AuthorizationAction,
  AuthorizationDecision,
  Authorizer,
  Identity,
} from "@wasm-relay/core";
import { type HttpProblem, httpProblem } from "../http/http-problem.js";

/**
 * The 403 problem of a refusal, with the seed's `reason` member.
 * @param decision a decision whose `allowed` is false
 */
export function permissionDeniedProblem(decision: AuthorizationDecision): HttpProblem {
  const reason = decision.reason ?? "not permitted";
  return httpProblem(403, "permission-denied", "Permission denied", { detail: reason, reason });
}

/**
 * Asks the authorizer whether `identity` may do `action` on `resource` (in the caller's session).
 * @throws {@link HttpProblem} 403 `permission-denied` with the authorizer's reason when refused.
 */
export async function requirePermission(
  authorizer: Authorizer,
  identity: Identity,
  action: AuthorizationAction,
  resource: string,
): Promise<void> {
  const decision = await authorizer.authorize({
    user_id: identity.userId,
    roles: identity.roles,
    action,
    resource,
    context: { session_id: identity.sessionId },
  });
  if (!decision.allowed) throw permissionDeniedProblem(decision);
}
