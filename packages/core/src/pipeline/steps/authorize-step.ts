import { hashRequest } from "../../hashing/request-hash.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import {
  type AuthorizedContext,
  type PipelinePorts,
  type Stop,
  stop,
  type ValidatedContext,
} from "./pipeline-context.js";

/**
 * Step 3 ("Antigone"): asks the authorizer about `execute_wasm` (or the call's `action`, e.g.
 * `invoke_function` for a function endpoint) on the reference as the caller wrote it, before anything is resolved, so that a refused caller makes the relay fetch
 * nothing and learns nothing about the module. A refusal stops as `forbidden`, with a request
 * id hashing the reference as written.
 * @throws what the authorizer throws.
 */
export async function authorizeRequest(
  ports: Pick<PipelinePorts, "authorizer" | "metrics">,
  context: ValidatedContext,
): Promise<AuthorizedContext | Stop> {
  const { identity, request, policy } = context;
  const decision = await ports.authorizer.authorize({
    user_id: identity.userId,
    roles: identity.roles,
    action: context.options.action ?? "execute_wasm",
    resource: request.cid,
    context: { session_id: identity.sessionId, policy, priority: request.priority },
  });
  if (!decision.allowed) {
    ports.metrics.increment(METRIC_NAMES.permissionDenied);
    const requestId = await hashRequest({
      userId: identity.userId,
      module: request.cid,
      entry: request.entry,
      abi: request.abi,
      inputs: request.inputs,
      policy,
    });
    return stop({
      kind: "forbidden",
      reason: decision.reason ?? "not permitted",
      requestId,
      rateLimit: context.rateLimit,
    });
  }
  return Object.assign(context, { authorizedPolicy: decision.policy ?? policy });
}
