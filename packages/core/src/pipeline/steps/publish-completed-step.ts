import { BUS_TOPICS } from "../../ports/event-bus.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import type { RelayOutcome } from "../relay-outcome.js";
import { type ExecutedContext, type PipelinePorts, publishToBus } from "./pipeline-context.js";

/**
 * Step 9: ends the event stream with `execution_complete`, then (after the execution's own
 * events are out, or right behind them on a bus that orders concurrent publishes) publishes
 * `completed` on the bus and counts the result: success or error
 * code, duration and gas. Answers `executed`.
 */
export async function publishCompleted(
  ports: Pick<PipelinePorts, "bus" | "metrics">,
  context: ExecutedContext,
): Promise<RelayOutcome> {
  const { response, events } = context;
  const { metrics } = ports;
  events?.finish({
    type: "execution_complete",
    success: response.success,
    duration: response.duration,
    gas_used: response.gas_used,
    ...(response.output !== undefined ? { output: response.output } : {}),
    ...(response.success ? {} : { error: response.error }),
  });
  // A bus that keeps call order gets `completed` right behind the stream's last event, and the
  // replies are awaited together (one round trip on Redis, not two in a row).
  const ordered = ports.bus?.ordersConcurrentPublishes === true;
  if (!ordered) await events?.flushed();
  const completed = publishToBus(ports, BUS_TOPICS.completed, {
    ...context.busEvent,
    timestamp: response.executed_at,
    success: response.success,
    output: response.output ?? null,
    error: response.success ? null : response.error.message,
    error_code: response.success ? null : response.error.code,
  });
  if (ordered) await Promise.all([events?.flushed(), completed]);
  else await completed;
  if (response.success) metrics.increment(METRIC_NAMES.success);
  else metrics.increment(METRIC_NAMES.error, { code: response.error.code });
  metrics.observe(METRIC_NAMES.duration, response.duration);
  if (response.gas_used !== null) metrics.observe(METRIC_NAMES.gasUsed, response.gas_used);
  return { kind: "executed", response, rateLimit: context.rateLimit };
}
