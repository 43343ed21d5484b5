import { METRIC_NAMES } from "../../ports/metrics.js";
import { ModuleNotFoundError } from "../../ports/module-resolver.js";
import {
  type AnnouncedContext,
  type PipelinePorts,
  type RunnableContext,
  type Stop,
  stop,
} from "./pipeline-context.js";

/**
 * Step 7: a reference that step 4 could not resolve is answered now, after the idempotency
 * gate and the `requested` event: the event stream ends with `execution_error` and the call
 * stops as `module_not_found` or `module_unverified`. Otherwise the module is ready to run.
 */
export async function reportUnresolved(
  ports: Pick<PipelinePorts, "metrics">,
  context: AnnouncedContext,
): Promise<RunnableContext | Stop> {
  const { resolution, events, request, requestId } = context;
  if ("module" in resolution) return Object.assign(context, { module: resolution.module });
  const error = resolution.failure;
  const notFound = error instanceof ModuleNotFoundError;
  const code = notFound ? "module_not_found" : "module_unverified";
  events?.finish({ type: "execution_error", error: { code, message: error.message } });
  await events?.flushed();
  ports.metrics.increment(METRIC_NAMES.error, { code });
  return stop(
    notFound
      ? { kind: "module_not_found", reference: request.cid, requestId }
      : { kind: "module_unverified", reference: request.cid, message: error.message, requestId },
  );
}
