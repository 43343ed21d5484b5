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

  it("bounds what it retains by bytes too: large payloads push old ones out", async () => {
    const bus = createMemoryEventBus({ retention: 10_000, retentionBytes: 1_000_000 });
    const large = "x".repeat(100_000);
    for (let index = 0; index < 50; index++) await bus.publish("topic", { index, large });
    const replayed: number[] = [];
    const subscription = await bus.subscribe(
      "topic",
      (message) => replayed.push((message.payload as { index: number }).index),
      { fromStart: true },
    );
    expect(subscription.gap).toBe(true);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.length).toBeLessThanOrEqual(10);
    expect(replayed.at(-1)).toBe(49);
    subscription.unsubscribe();
  });

  it("resumes exactly after any retained id while old messages leave in bulk", async () => {
    const bus = createMemoryEventBus({ retention: 50 });
    const live: number[] = [];
    const follower = await bus.subscribe("topic", (message) =>
      live.push((message.payload as { index: number }).index),
    );
    for (let index = 1; index <= 1_000; index++) {
      await bus.publish("topic", { index });
      if (index % 97 !== 0) continue;
      // Every id still retained resumes exactly; one dropped already is a gap.
      const replayed: number[] = [];
      const resumed = await bus.subscribe(
        "topic",
        (message) => replayed.push((message.payload as { index: number }).index),
        { afterId: String(index - 10) },
      );
      expect(resumed.gap).toBe(false);
      expect(replayed).toEqual([
        index - 9,
        index - 8,
        index - 7,
        index - 6,
        index - 5,
        index - 4,
        index - 3,
        index - 2,
        index - 1,
        index,
      ]);
      resumed.unsubscribe();
      const all: number[] = [];
      const fromStart = await bus.subscribe(
        "topic",
        (message) => all.push((message.payload as { index: number }).index),
        { fromStart: true },
      );
      expect(fromStart.gap).toBe(index > 50);
      expect(all).toEqual(
        Array.from(
          { length: Math.min(50, index) },
          (_, at) => index - Math.min(50, index) + 1 + at,
        ),
      );
      fromStart.unsubscribe();
    }
    expect(live).toEqual(Array.from({ length: 1_000 }, (_, at) => at + 1));
    follower.unsubscribe();
  });

  it("always keeps the newest message, however large", async () => {
    const bus = createMemoryEventBus({ retentionBytes: 10 });
    await bus.publish("topic", "a".repeat(100));
    const replayed: unknown[] = [];
    const subscription = await bus.subscribe("topic", (message) => replayed.push(message.payload), {
      fromStart: true,
    });
    expect(replayed).toHaveLength(1);
    subscription.unsubscribe();
  });

  it("refuses a retention that is not a positive integer", () => {
    expect(() => createMemoryEventBus({ retention: 0 })).toThrow(RangeError);
  });
});
