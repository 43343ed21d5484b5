import { describe, expect, it } from "vitest";
import type { BusMessage, EventBus } from "../ports/event-bus.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";
import { uniqueKey } from "./unique-key.js";

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The behaviour every {@link EventBus} must show. */
export function eventBusConformance(factory: StoreFactory<EventBus>): void {
  describe(`EventBus conformance: ${factory.name}`, () => {
    it("delivers published messages in order to every subscriber of the topic only", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("topic");
      const first: BusMessage[] = [];
      const second: BusMessage[] = [];
      const other: BusMessage[] = [];
      const subscriptions = [
        await bus.subscribe(topic, (message) => first.push(message)),
        await bus.subscribe(topic, (message) => second.push(message)),
        await bus.subscribe(uniqueKey("other"), (message) => other.push(message)),
      ];
      for (let i = 0; i < 5; i += 1) await bus.publish(topic, { n: i });
      await until(() => first.length === 5 && second.length === 5);
      expect(first.map((message) => message.payload)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
      expect(second.map((message) => message.id)).toEqual(first.map((message) => message.id));
      expect(other).toEqual([]);
      for (const subscription of subscriptions) subscription.unsubscribe();
    });

    it("resumes after an id with no loss and no duplicates", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("resume");
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) ids.push(await bus.publish(topic, { n: i }));
      const seen: BusMessage[] = [];
      const subscription = await bus.subscribe(topic, (message) => seen.push(message), {
        afterId: ids[2],
      });
      await bus.publish(topic, { n: 6 });
      await until(() => seen.length === 4);
      expect(seen.map((message) => message.payload)).toEqual([3, 4, 5, 6].map((n) => ({ n })));
      expect(subscription.gap).toBe(false);
      subscription.unsubscribe();
    });

    it("stops delivering after unsubscribe", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("unsubscribe");
      const seen: BusMessage[] = [];
      const subscription = await bus.subscribe(topic, (message) => seen.push(message));
      await bus.publish(topic, { n: 1 });
      await until(() => seen.length === 1);
      subscription.unsubscribe();
      await bus.publish(topic, { n: 2 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toHaveLength(1);
    });
  });
}
