import { BUS_TOPICS } from "../../ports/event-bus.js";
import { isoTimestamp } from "../../time/iso-timestamp.js";
import { ExecutionEventPublisher } from "../execution-event-publisher.js";
import {
  type AnnouncedContext,
  type GatedContext,
  type PipelinePorts,
  publishToBus,
} from "./pipeline-context.js";

/**
 * Step 6 ("tmpbus"): publishes `requested` and, when there is a bus, opens the execution's
 * event stream with `execution_queued`. On a bus that orders concurrent publishes the reply is
 * not waited for here (the stream's `flushed` covers it). A failed publish is counted, never
 * thrown.
 */
export async function publishRequested(
  ports: Pick<PipelinePorts, "bus" | "clock" | "metrics">,
  context: GatedContext,
): Promise<AnnouncedContext> {
  const { bus, clock, metrics } = ports;
  const { request, identity, requestId } = context;
  const busEvent = {
    request_id: requestId,
    cid: request.cid,
    inputs: request.inputs,
    policy: context.authorizedPolicy,
    user_id: identity.userId,
    session_id: identity.sessionId ?? null,
  };
  const requested = publishToBus(ports, BUS_TOPICS.requested, {
    ...busEvent,
    timestamp: isoTimestamp(clock.now()),
  });
  // A bus that keeps call order needs no reply before the next publish (one round trip less on
  // Redis before the run starts); the event stream's `flushed` then waits for this one too.
  if (!bus?.ordersConcurrentPublishes) await requested;
  const events = bus
    ? new ExecutionEventPublisher(
        bus,
        identity.userId,
        requestId,
        request.cid,
        clock.now,
        () => metrics.increment("relay.bus.publish_failed", { topic: BUS_TOPICS.executionEvents }),
        request.idempotency_key ?? context.options.idempotencyKey,
      )
    : undefined;
  events?.include(requested);
  events?.queued();
  return Object.assign(context, { busEvent, events });
}
