import { describe, expect, it } from "vitest";
import type { BusMessage, EventBus } from "../ports/event-bus.js";
import { InvalidEventIdError } from "../ports/event-bus.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";
import { uniqueKey } from "./unique-key.js";
import { waitUntil } from "./wait-until.js";

/** How the {@link EventBus} conformance suite gets fresh buses. */
export interface EventBusFactory extends StoreFactory<EventBus> {
  /**
   * Creates a bus that retains (at least, and about) `retention` messages per topic. When given,
   * the retention tests run too (gaps, replay from the start).
   */
  createWithRetention?: (retention: number) => EventBus | Promise<EventBus>;
}

const ids = (messages: BusMessage[]) => messages.map((message) => message.id);

/**
 * The behaviour every {@link EventBus} must show. Call it from a test file of the adapter:
 * `eventBusConformance({ name: "redis", create: () => …, createWithRetention: (n) => … })`.
 */
export function eventBusConformance(factory: EventBusFactory): void {
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
      await waitUntil(() => first.length === 5 && second.length === 5);
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
      await waitUntil(() => seen.length === 4);
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
      await waitUntil(() => seen.length === 1);
      subscription.unsubscribe();
      await bus.publish(topic, { n: 2 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toHaveLength(1);
    });
    it("delivers only messages published after subscribe when no id is given, with no gap", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("live");
      await bus.publish(topic, { n: "before" });
      const seen: BusMessage[] = [];
      const subscription = await bus.subscribe(topic, (message) => seen.push(message));
      expect(subscription.gap).toBe(false);
      const id = await bus.publish(topic, { n: "after" });
      await waitUntil(() => seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(seen).toEqual([{ id, topic, payload: { n: "after" } }]);
      subscription.unsubscribe();
    });

    it("carries any JSON payload unchanged", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("json");
      const payloads = [
        { text: "unicode ✓ 😀 \n line", nested: { list: [1, 2.5, null, true, "x"] } },
        [],
        "plain",
        0,
        null,
      ];
      const seen: BusMessage[] = [];
      const subscription = await bus.subscribe(topic, (message) => seen.push(message));
      for (const payload of payloads) await bus.publish(topic, payload);
      await waitUntil(() => seen.length === payloads.length);
      expect(seen.map((message) => message.payload)).toEqual(payloads);
      subscription.unsubscribe();
    });

    it("returns increasing ids and keeps separate subscriptions of one listener apart", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("twice");
      const seen: string[] = [];
      const listener = (message: BusMessage) => seen.push(message.id);
      const first = await bus.subscribe(topic, listener);
      const second = await bus.subscribe(topic, listener);
      const published = [await bus.publish(topic, 1), await bus.publish(topic, 2)];
      await waitUntil(() => seen.length === 4);
      first.unsubscribe();
      published.push(await bus.publish(topic, 3));
      await waitUntil(() => seen.length === 5);
      expect(seen).toEqual([published[0], published[0], published[1], published[1], published[2]]);
      expect(new Set(published).size).toBe(3);
      second.unsubscribe();
    });

    it("merges replay and live delivery without loss or duplicates while publishing goes on", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("race");
      // A subscriber from the start keeps the topic's live delivery busy throughout.
      const watcher: BusMessage[] = [];
      const watching = await bus.subscribe(topic, (message) => watcher.push(message));
      const published: string[] = [];
      for (let i = 0; i < 20; i += 1) published.push(await bus.publish(topic, { n: i }));
      let publishing = true;
      const publishers = [0, 1, 2].map(async () => {
        for (let i = 0; publishing && i < 300; i += 1) {
          published.push(await bus.publish(topic, { n: 20 + i }));
        }
      });
      const resumed: { from: number; seen: BusMessage[]; gap: boolean; stop: () => void }[] = [];
      for (let round = 0; round < 6; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        const from = Math.max(0, published.length - 1 - round * 3);
        const seen: BusMessage[] = [];
        const subscription = await bus.subscribe(topic, (message) => seen.push(message), {
          afterId: published[from],
        });
        resumed.push({ from, seen, gap: subscription.gap, stop: subscription.unsubscribe });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
      publishing = false;
      await Promise.all(publishers);
      // Ids are what the bus assigned; its order is the order of `published` only per publisher,
      // so compare against the watcher, which saw every message in the bus's order.
      await waitUntil(() => watcher.length === published.length);
      expect(new Set(ids(watcher))).toEqual(new Set(published));
      for (const { from, seen, gap, stop } of resumed) {
        const after = ids(watcher).indexOf(published[from] as string);
        await waitUntil(() => seen.length >= watcher.length - after - 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(ids(seen)).toEqual(ids(watcher).slice(after + 1));
        expect(gap).toBe(false);
        stop();
      }
      watching.unsubscribe();
    });

    it("lands concurrent publishes in call order when it claims ordersConcurrentPublishes", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("concurrent");
      const seen: BusMessage[] = [];
      const subscription = await bus.subscribe(topic, (message) => seen.push(message));
      const published = await Promise.all(
        Array.from({ length: 50 }, (_, n) => bus.publish(topic, { n })),
      );
      await waitUntil(() => seen.length === 50);
      expect(new Set(ids(seen))).toEqual(new Set(published));
      if (bus.ordersConcurrentPublishes) {
        expect(seen.map((message) => message.payload)).toEqual(
          Array.from({ length: 50 }, (_, n) => ({ n })),
        );
        expect(ids(seen)).toEqual(published);
      }
      subscription.unsubscribe();
    });

    it("refuses a malformed afterId with InvalidEventIdError", async () => {
      const bus = await factory.create();
      const topic = uniqueKey("malformed");
      for (const afterId of ["not an id", "", "1\n2", "-5"]) {
        await expect(bus.subscribe(topic, () => {}, { afterId })).rejects.toBeInstanceOf(
          InvalidEventIdError,
        );
      }
    });

    if (factory.createWithRetention) {
      const createWithRetention = factory.createWithRetention;

      it("replays every retained message with fromStart, then live ones", async () => {
        const bus = await createWithRetention(50);
        const topic = uniqueKey("from-start");
        const published: string[] = [];
        for (let i = 0; i < 5; i += 1) published.push(await bus.publish(topic, { n: i }));
        const seen: BusMessage[] = [];
        const subscription = await bus.subscribe(topic, (message) => seen.push(message), {
          fromStart: true,
        });
        expect(subscription.gap).toBe(false);
        published.push(await bus.publish(topic, { n: 5 }));
        await waitUntil(() => seen.length === 6);
        expect(ids(seen)).toEqual(published);
        subscription.unsubscribe();
      });

      it("bounds retention and reports a gap exactly when messages after afterId were lost", async () => {
        const retention = 20;
        const bus = await createWithRetention(retention);
        const topic = uniqueKey("gap");
        const published: string[] = [];
        for (let i = 0; i < retention * 4; i += 1)
          published.push(await bus.publish(topic, { n: i }));

        const retained: BusMessage[] = [];
        const all = await bus.subscribe(topic, (message) => retained.push(message), {
          fromStart: true,
        });
        all.unsubscribe();
        expect(all.gap).toBe(true);
        expect(retained.length).toBeGreaterThanOrEqual(retention);
        expect(retained.length).toBeLessThan(retention * 2);
        const firstKept = published.indexOf(retained[0]?.id as string);
        expect(ids(retained)).toEqual(published.slice(firstKept));

        // The message just before the oldest retained one: nothing after it was lost.
        const exact: BusMessage[] = [];
        const resumed = await bus.subscribe(topic, (message) => exact.push(message), {
          afterId: published[firstKept - 1],
        });
        resumed.unsubscribe();
        expect(resumed.gap).toBe(false);
        expect(ids(exact)).toEqual(ids(retained));

        // One further back: that message's successor is gone.
        const late: BusMessage[] = [];
        const lost = await bus.subscribe(topic, (message) => late.push(message), {
          afterId: published[firstKept - 2],
        });
        lost.unsubscribe();
        expect(lost.gap).toBe(true);
        expect(ids(late)).toEqual(ids(retained));
      });
    }
  });
}
