import { describe, expect, it } from "vitest";
import { createMemoryEventBus } from "../memory/memory-event-bus.js";
import type { BusMessage, EventBus } from "../ports/event-bus.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import {
  type ExecutionEventEnvelope,
  ExecutionEventPublisher,
} from "./execution-event-publisher.js";

async function recorded(
  drive: (publisher: ExecutionEventPublisher) => void,
  bus: EventBus = createMemoryEventBus(),
) {
  const seen: BusMessage[] = [];
  await bus.subscribe(BUS_TOPICS.executionEvents, (message) => seen.push(message));
  const publisher = new ExecutionEventPublisher(
    bus,
    "alice",
    "r1",
    "glyph://x@y",
    () => 0,
    () => {},
  );
  drive(publisher);
  await publisher.flushed();
  return seen.map((message) => message.payload as unknown as ExecutionEventEnvelope);
}

const summary = (envelopes: ExecutionEventEnvelope[]) =>
  envelopes.map(({ event }) =>
    event.type === "execution_progress" ? `progress:${event.progress}` : event.type,
  );

describe("ExecutionEventPublisher", () => {
  it("announces a rerun (a later attempt) with a second execution_started; a remote node is not prefixed", async () => {
    const envelopes = await recorded((publisher) => {
      publisher.fromExecutor({ type: "queued", position: 1 }, "relay-a");
      publisher.fromExecutor(
        { type: "started", executorNode: "worker-a/worker-1", attempt: 1, remote: true },
        "relay-a",
      );
      // A repeated start of the same attempt is dropped; attempt 2 (after a lost worker) is not.
      publisher.fromExecutor(
        { type: "started", executorNode: "worker-a/worker-1", attempt: 1, remote: true },
        "relay-a",
      );
      publisher.fromExecutor(
        { type: "started", executorNode: "worker-b/worker-1", attempt: 2, remote: true },
        "relay-a",
      );
      publisher.fromExecutor({ type: "started", executorNode: "w1" }, "relay-a");
      publisher.finish({ type: "execution_complete", success: true, duration: 1, gas_used: 3 });
    });
    expect(
      envelopes.flatMap(({ event }) =>
        event.type === "execution_started" ? [event.executor_node] : [],
      ),
    ).toEqual(["worker-a/worker-1", "worker-b/worker-1"]);
  });

  it("publishes queued → started → non-decreasing progress → one terminal, in envelopes", async () => {
    const envelopes = await recorded((publisher) => {
      publisher.fromExecutor({ type: "queued", position: 2 }, "node");
      publisher.fromExecutor({ type: "started", executorNode: "w1" }, "node");
      publisher.fromExecutor({ type: "progress", progress: 10 }, "node");
      publisher.fromExecutor({ type: "progress", progress: 5 }, "node");
      publisher.fromExecutor({ type: "progress", progress: 10 }, "node");
      publisher.fromExecutor({ type: "progress", progress: 140 }, "node");
      publisher.finish({ type: "execution_complete", success: true, duration: 1, gas_used: 3 });
      publisher.finish({ type: "execution_error", error: { code: "x", message: "late" } });
      publisher.fromExecutor({ type: "progress", progress: 100 }, "node");
    });
    expect(summary(envelopes)).toEqual([
      "execution_queued",
      "execution_started",
      "progress:10",
      "progress:10",
      "progress:100",
      "execution_complete",
    ]);
    expect(envelopes.every((envelope) => envelope.user_id === "alice")).toBe(true);
    expect(envelopes.every((envelope) => envelope.event.request_id === "r1")).toBe(true);
    expect(envelopes[0]?.event).toMatchObject({ cid: "glyph://x@y", position: 2 });
    expect(envelopes[1]?.event).toMatchObject({ executor_node: "node/w1" });
  });

  it("supplies a missing queued, ignores progress before start and a second start", async () => {
    const envelopes = await recorded((publisher) => {
      publisher.fromExecutor({ type: "progress", progress: 50 }, "n");
      publisher.fromExecutor({ type: "started", executorNode: "w" }, "n");
      publisher.fromExecutor({ type: "started", executorNode: "w" }, "n");
      publisher.fromExecutor({ type: "queued", position: 1 }, "n");
      publisher.finish({ type: "execution_error", error: { code: "boom", message: "m" } });
    });
    expect(summary(envelopes)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_error",
    ]);
    expect(envelopes[0]?.event).toMatchObject({ position: 0 });
  });

  it("keeps the order on a bus whose publishes complete out of order", async () => {
    const inner = createMemoryEventBus();
    let delay = 30;
    const slow: EventBus = {
      subscribe: (...args) => inner.subscribe(...args),
      async publish(topic, payload) {
        delay = Math.max(0, delay - 10);
        await new Promise((resolve) => setTimeout(resolve, delay));
        return inner.publish(topic, payload);
      },
    };
    const envelopes = await recorded((publisher) => {
      publisher.queued();
      publisher.fromExecutor({ type: "started", executorNode: "w" }, "n");
      publisher.finish({ type: "execution_complete", success: false, duration: 2, gas_used: null });
    }, slow);
    expect(summary(envelopes)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
  });

  it("keeps several publishes in flight on a bus that orders them itself", async () => {
    const inner = createMemoryEventBus();
    let inFlight = 0;
    let most = 0;
    const ordered: EventBus = {
      ordersConcurrentPublishes: true,
      subscribe: (...args) => inner.subscribe(...args),
      publish(topic, payload) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        const id = inner.publish(topic, payload);
        return new Promise((resolve) => setTimeout(resolve, 10)).then(() => {
          inFlight -= 1;
          return id;
        });
      },
    };
    const envelopes = await recorded((publisher) => {
      publisher.queued();
      publisher.fromExecutor({ type: "started", executorNode: "w" }, "n");
      publisher.finish({ type: "execution_complete", success: true, duration: 1, gas_used: 1 });
    }, ordered);
    expect(most).toBe(3);
    expect(summary(envelopes)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
  });

  it("reports publish failures and goes on with the next events", async () => {
    const failures: unknown[] = [];
    const inner = createMemoryEventBus();
    let calls = 0;
    const flaky: EventBus = {
      subscribe: (...args) => inner.subscribe(...args),
      async publish(topic, payload) {
        calls += 1;
        if (calls === 2) throw new Error("bus down");
        return inner.publish(topic, payload);
      },
    };
    const seen: BusMessage[] = [];
    await inner.subscribe(BUS_TOPICS.executionEvents, (message) => seen.push(message));
    const publisher = new ExecutionEventPublisher(
      flaky,
      "u",
      "r",
      "c",
      () => 0,
      (error) => failures.push(error),
    );
    publisher.queued();
    publisher.fromExecutor({ type: "started", executorNode: "w" }, "n");
    publisher.finish({ type: "execution_complete", success: true, duration: 0, gas_used: 0 });
    await publisher.flushed();
    expect(failures).toHaveLength(1);
    expect(
      seen.map((message) => (message.payload as { event: { type: string } }).event.type),
    ).toEqual(["execution_queued", "execution_complete"]);
  });
});
