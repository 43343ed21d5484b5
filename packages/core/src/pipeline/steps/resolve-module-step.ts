import { hashRequest } from "../../hashing/request-hash.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import {
  ModuleNotFoundError,
  ModuleSourceUnavailableError,
  ModuleVerificationError,
  UnsupportedModuleReferenceError,
} from "../../ports/module-resolver.js";
import {
  type AuthorizedContext,
  type ModuleResolution,
  type PipelinePorts,
  type ResolvedContext,
  type Stop,
  stop,
} from "./pipeline-context.js";

/**
 * Step 4: resolves the reference to its content before hashing, so that a CIDv0, a CIDv1 and
 * a glyph name for the same bytes are one request (the resolver caches). A missing or
 * unverifiable module is kept as the resolution's failure and answered after the idempotency
 * gate (such a request is hashed by the reference as written). An unsupported reference stops
 * as `invalid`, an unreachable source as `module_source_unavailable`.
 * @throws any other error of the resolver.
 */
export async function resolveModule(
  ports: Pick<PipelinePorts, "resolver" | "metrics">,
  context: AuthorizedContext,
): Promise<ResolvedContext | Stop> {
  const { request, identity, options } = context;
  let resolution: ModuleResolution;
  try {
    resolution = {
      module: await ports.resolver.resolve(
        request.cid,
        options.signal ? { signal: options.signal } : {},
      ),
    };
  } catch (error) {
    if (error instanceof UnsupportedModuleReferenceError) {
      ports.metrics.increment(METRIC_NAMES.invalidRequest);
      return stop({ kind: "invalid", details: [{ path: "cid", message: error.message }] });
    }
    if (error instanceof ModuleSourceUnavailableError) {
      ports.metrics.increment(METRIC_NAMES.error, { code: "module_source_unavailable" });
      return stop({
        kind: "module_source_unavailable",
        message: error.message,
        retryAfterMs: error.retryAfterMs,
      });
    }
    if (!(error instanceof ModuleNotFoundError || error instanceof ModuleVerificationError))
      throw error;
    resolution = { failure: error };
  }
  const requestId = await hashRequest({
    userId: identity.userId,
    module: "module" in resolution ? resolution.module.cid : request.cid,
    entry: request.entry,
    abi: request.abi,
    inputs: request.inputs,
    policy: context.policy,
  });
  return Object.assign(context, { resolution, requestId });
}
