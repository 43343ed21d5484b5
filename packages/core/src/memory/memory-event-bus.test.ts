import { describe, expect, it } from "vitest";
import { eventBusConformance } from "../testing/event-bus-conformance.js";
import { createMemoryEventBus } from "./memory-event-bus.js";

eventBusConformance({
  name: "memory (retention)",
  create: () => createMemoryEventBus(),
  createWithRetention: (retention) => createMemoryEventBus({ retention }),
});

describe("memory event bus", () => {
  it("treats an id it never issued as a gap and replays what it retains", async () => {
    const bus = createMemoryEventBus();
    const first = await bus.publish("topic", 1);
    const seen: string[] = [];
    const subscription = await bus.subscribe("topic", (message) => seen.push(message.id), {
      afterId: "999999",
    });
    expect(subscription.gap).toBe(true);
    expect(seen).toEqual([first]);
  });

  it("counts listeners until they unsubscribe", async () => {
    const bus = createMemoryEventBus();
    const a = await bus.subscribe("topic", () => {});
    const b = await bus.subscribe("topic", () => {});
    expect(bus.listenerCount("topic")).toBe(2);
    a.unsubscribe();
    a.unsubscribe();
    b.unsubscribe();
    expect(bus.listenerCount("topic")).toBe(0);
  });

  it("refuses a retention that is not a positive integer", () => {
    expect(() => createMemoryEventBus({ retention: 0 })).toThrow(RangeError);
  });
});
