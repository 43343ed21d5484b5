import type { ExecutionResult } from "../../ports/executor.js";
import { ExecutorUnavailableError } from "../../ports/executor.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import type { ExecuteResponse } from "../../schemas/execute-response.js";
import { isoTimestamp } from "../../time/iso-timestamp.js";
import {
  type ExecutedContext,
  type PipelinePorts,
  type RunnableContext,
  type Stop,
  stop,
} from "./pipeline-context.js";

/** The response of an execution result, stamped at `now` (epoch ms); duration rounded to 1 µs. */
export function toResponse(
  result: ExecutionResult,
  requestId: string,
  cid: string,
  now: number,
): ExecuteResponse {
  const common = {
    request_id: requestId,
    resolved_cid: cid,
    gas_used: result.gasUsed,
    duration: Math.round(result.durationMs * 1000) / 1000,
    executed_at: isoTimestamp(now),
  };
  if (result.success) return { success: true, ...common, output: result.output };
  return {
    success: false,
    ...common,
    error: result.error,
    ...(result.output !== undefined ? { output: result.output } : {}),
  };
}

/** The result of an execution a caller cancelled after `durationMs` of waiting or running. */
export function cancelledResult(requestId: string, durationMs: number): ExecutionResult {
  return {
    success: false,
    error: { code: "cancelled", message: `execution ${requestId} was cancelled` },
    gasUsed: null,
    durationMs,
  };
}

/**
 * Step 8: runs the module under the authorized policy (deterministically, from the context's
 * seed, unless the request said `"deterministic": false`), forwarding the executor's events
 * (queue position, start, progress) to the event stream. An executor that cannot take the work
 * ends the stream with `execution_error` and stops the call as `unavailable`. A call cancelled
 * (`options.cancellation` aborted) before its result was known is the result
 * `success: false`, `error.code: "cancelled"`, whatever the executor did.
 * @throws any other error of the executor (after ending the event stream).
 */
export async function executeModule(
  ports: Pick<PipelinePorts, "config" | "clock" | "executor" | "metrics">,
  context: RunnableContext & { seed?: string | undefined },
): Promise<ExecutedContext | Stop> {
  const { request, requestId, module, events } = context;
  const cancellation = context.options.cancellation;
  const startedAt = ports.clock.now();
  let result: ExecutionResult;
  try {
    result = await ports.executor.execute(
      {
        requestId,
        module,
        inputs: request.inputs,
        entry: request.entry,
        abi: request.abi,
        policy: context.authorizedPolicy,
        priority: request.priority,
        userId: context.identity.userId,
        idempotency: {
          key: context.idempotencyKey,
          leaseToken: context.leaseToken,
          ttlMs: ports.config.idempotencyTtlMs,
        },
        deterministic: request.deterministic !== false,
        seed: context.seed,
      },
      {
        signal: context.options.signal,
        onEvent: (event) => events?.fromExecutor(event, ports.config.nodeName),
        startWithinMs: latestStartMs(context, ports.config.idempotencyMarginMs, ports.clock.now()),
      },
    );
  } catch (error) {
    if (cancellation?.aborted) {
      result = cancelledResult(requestId, ports.clock.now() - startedAt);
      return Object.assign(context, {
        response: toResponse(result, requestId, module.cid, ports.clock.now()),
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    events?.finish({ type: "execution_error", error: { code: "executor_unavailable", message } });
    await events?.flushed();
    if (error instanceof ExecutorUnavailableError) {
      ports.metrics.increment(METRIC_NAMES.error, { code: "executor_unavailable" });
      return stop({
        kind: "unavailable",
        message,
        retryAfterMs: error.retryAfterMs,
        requestId,
        ...(error.perCaller ? { perCaller: true } : {}),
      });
    }
    throw error;
  }
  // A cancel that arrived while the result was on its way wins: the caller was told it stops.
  if (cancellation?.aborted) result = cancelledResult(requestId, ports.clock.now() - startedAt);
  const response = toResponse(result, requestId, module.cid, ports.clock.now());
  return Object.assign(context, { response, peakMemory: result.memoryBytes });
}

/**
 * How long the run may still wait to start so that it ends inside its idempotency lease, with
 * `marginMs` left for recording its result: the lease's end, less `max_time`, less the margin.
 * @unit milliseconds
 */
export function latestStartMs(
  context: Pick<RunnableContext, "leasedAt" | "leaseMs" | "authorizedPolicy">,
  marginMs: number,
  now: number,
): number {
  return context.leasedAt + context.leaseMs - context.authorizedPolicy.max_time - marginMs - now;
}
