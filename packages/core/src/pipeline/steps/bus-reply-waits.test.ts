import { describe, expect, it } from "vitest";
import type { EventBus } from "../../ports/event-bus.js";
import { BUS_TOPICS } from "../../ports/event-bus.js";
import { executeModule } from "./execute-module-step.js";
import { isStop } from "./pipeline-context.js";
import { publishCompleted } from "./publish-completed-step.js";
import { publishRequested } from "./publish-requested-step.js";
import { reportUnresolved } from "./report-unresolved-step.js";
import { gatedContext, testPorts } from "./step-test-ports.js";

/** A bus whose replies come only when `answer` is called: what was sent, in call order. */
function heldBus(ordersConcurrentPublishes: boolean) {
  const sent: { topic: string; type: string | undefined }[] = [];
  const held: (() => void)[] = [];
  const bus: EventBus = {
    ordersConcurrentPublishes,
    publish(topic, payload) {
      const type = (payload as { event?: { type?: string } }).event?.type;
      sent.push({ topic, type });
      return new Promise((resolve) => held.push(() => resolve(String(sent.length))));
    },
    async subscribe() {
      return { unsubscribe() {}, gap: false };
    },
  };
  const answer = () => {
    for (const release of held.splice(0)) release();
  };
  return { bus, sent, answer };
}

/** Runs the bus steps of one call, answering the bus whenever the steps wait; counts the waits. */
async function runBusSteps(ordersConcurrentPublishes: boolean) {
  const { bus, sent, answer } = heldBus(ordersConcurrentPublishes);
  const { ports } = testPorts({ bus });
  let waits = 0;
  const settle = async <T>(step: Promise<T>): Promise<T> => {
    for (;;) {
      const done = await Promise.race([step.then(() => true), tick().then(() => false)]);
      if (done) return step;
      waits += 1;
      answer();
    }
  };
  const announced = await settle(publishRequested(ports, gatedContext()));
  const runnable = await reportUnresolved(ports, announced);
  if (isStop(runnable)) throw new Error("stopped");
  const executed = await executeModule(ports, runnable);
  if (isStop(executed)) throw new Error("stopped");
  const outcome = await settle(publishCompleted(ports, executed));
  return { sent, waits, outcome };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("waiting for the bus's replies", () => {
  it("on a bus that orders concurrent publishes: one wait, at the end, for every message", async () => {
    const { sent, waits, outcome } = await runBusSteps(true);
    expect(outcome.kind).toBe("executed");
    expect(waits).toBe(1);
    expect(sent).toEqual([
      { topic: BUS_TOPICS.requested, type: undefined },
      { topic: BUS_TOPICS.executionEvents, type: "execution_queued" },
      { topic: BUS_TOPICS.executionEvents, type: "execution_complete" },
      { topic: BUS_TOPICS.completed, type: undefined },
    ]);
  });

  it("on a bus that does not: each message waits for the one before it, in the same order", async () => {
    const { sent, waits, outcome } = await runBusSteps(false);
    expect(outcome.kind).toBe("executed");
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(sent.map((message) => message.type ?? message.topic)).toEqual([
      BUS_TOPICS.requested,
      "execution_queued",
      "execution_complete",
      BUS_TOPICS.completed,
    ]);
  });
});
