import type { BusMessage, EventBus, Subscription } from "../ports/event-bus.js";
import { InvalidEventIdError } from "../ports/event-bus.js";
import type { JsonValue } from "../schemas/json-value.js";

/** Options of {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions {
  /** Messages retained per topic for resumption. @default 1000 */
  retention?: number;
  /**
   * Most payload bytes (their JSON text) retained per topic: older messages go first when a
   * publish would pass it, so large payloads (a request's `inputs` can be a megabyte) cannot
   * grow the process without bound. The newest message is always kept. @unit bytes
   * @default 67108864
   */
  retentionBytes?: number;
}

/** The in-process {@link EventBus}, with a count of live listeners for leak checks. */
export interface MemoryEventBus extends EventBus {
  /** Number of subscriptions of `topic` that are not unsubscribed yet. */
  listenerCount(topic: string): number;
}

interface TopicState {
  /**
   * Sequence numbers of the retained messages, from index `head` on (earlier slots were
   * dropped and are cut off in bulk).
   */
  ids: number[];
  /**
   * The retained payloads as JSON text, in the order of `ids`: one flat string per message
   * rather than its object tree, so that a long retention costs the garbage collector little;
   * a resumed subscription gets them parsed again (equal values, not the same objects).
   */
  texts: string[];
  /** Index of the oldest retained message in `ids` and `texts`. */
  head: number;
  /** Sum of the retained texts' lengths. */
  bytes: number;
  listeners: Set<(message: BusMessage) => void>;
  /** Sequence of the newest message dropped by retention (0: none). */
  trimmedThrough: number;
}

/**
 * In-process {@link EventBus}: synchronous fan-out, ids `<sequence>` (decimal, increasing per
 * bus), the last `retention` messages of each topic (at most `retentionBytes` of them) kept for
 * `afterId` resumption.
 * @throws RangeError when `retention` or `retentionBytes` is not a positive integer.
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): MemoryEventBus {
  const retention = options.retention ?? 1000;
  if (!Number.isInteger(retention) || retention < 1) {
    throw new RangeError(`retention must be a positive integer, got ${retention}`);
  }
  const retentionBytes = options.retentionBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(retentionBytes) || retentionBytes < 1) {
    throw new RangeError(`retentionBytes must be a positive integer, got ${retentionBytes}`);
  }
  const topics = new Map<string, TopicState>();
  let sequence = 0;

  function topicOf(name: string): TopicState {
    let topic = topics.get(name);
    if (!topic) {
      topic = { ids: [], texts: [], head: 0, bytes: 0, listeners: new Set(), trimmedThrough: 0 };
      topics.set(name, topic);
    }
    return topic;
  }

  return {
    // Appends happen synchronously, in call order.
    ordersConcurrentPublishes: true,
    async publish(topic: string, payload: JsonValue) {
      sequence += 1;
      const message: BusMessage = { id: String(sequence), topic, payload };
      const state = topicOf(topic);
      const text = JSON.stringify(payload) ?? "null";
      state.ids.push(sequence);
      state.texts.push(text);
      state.bytes += text.length;
      // Drops from the front by moving `head` (no array shift per message, which copies the
      // whole retention window); the dropped slots are cut off once they are half the array.
      while (
        state.ids.length - state.head > 1 &&
        (state.ids.length - state.head > retention || state.bytes > retentionBytes)
      ) {
        state.bytes -= (state.texts[state.head] as string).length;
        state.trimmedThrough = state.ids[state.head] as number;
        state.texts[state.head] = "";
        state.head += 1;
      }
      if (state.head > 64 && state.head * 2 > state.ids.length) {
        state.ids.splice(0, state.head);
        state.texts.splice(0, state.head);
        state.head = 0;
      }
      if (state.listeners.size === 1) {
        (state.listeners.values().next().value as (message: BusMessage) => void)(message);
      } else if (state.listeners.size > 1) {
        for (const listener of [...state.listeners]) listener(message);
      }
      return message.id;
    },
    async subscribe(topic, listener, subscribeOptions = {}) {
      const { afterId, fromStart } = subscribeOptions;
      let after: number | undefined;
      if (afterId !== undefined) {
        if (!/^\d{1,15}$/.test(afterId)) {
          throw new InvalidEventIdError(afterId, "a decimal sequence number such as 42");
        }
        after = Number(afterId);
      } else if (fromStart) {
        after = 0;
      }
      const state = topicOf(topic);
      // One entry per subscription (the same function may be subscribed twice), silent as soon
      // as it is unsubscribed, even in the middle of a fan-out.
      let active = true;
      const entry = (message: BusMessage) => {
        if (active) listener(message);
      };
      let gap = false;
      if (after !== undefined) {
        // An id this bus never issued (another process, a restart): replay what is retained.
        if (after > sequence) {
          gap = true;
          after = 0;
        }
        if (state.trimmedThrough > after) gap = true;
        for (let index = state.head; index < state.ids.length; index++) {
          const id = state.ids[index] as number;
          if (id <= after) continue;
          const payload = JSON.parse(state.texts[index] as string) as JsonValue;
          listener({ id: String(id), topic, payload });
        }
      }
      state.listeners.add(entry);
      const subscription: Subscription = {
        gap,
        unsubscribe: () => {
          active = false;
          state.listeners.delete(entry);
          if (state.listeners.size === 0 && state.ids.length === state.head) topics.delete(topic);
        },
      };
      return subscription;
    },
    listenerCount(topic) {
      return topics.get(topic)?.listeners.size ?? 0;
    },
  };
}
