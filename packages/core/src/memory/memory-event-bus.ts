import type { BusMessage, EventBus, Subscription } from "../ports/event-bus.js";
import type { JsonValue } from "../schemas/json-value.js";

/** Options of {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions {
  /** Messages retained per topic for resumption. @default 1000 */
  retention?: number;
}

/**
 * In-process {@link EventBus}: synchronous fan-out, ids `<sequence>` increasing per bus, the
 * last `retention` messages of each topic kept for `afterId` resumption.
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): EventBus {
  const retention = options.retention ?? 1000;
  const topics = new Map<
    string,
    { log: BusMessage[]; listeners: Set<(message: BusMessage) => void> }
  >();
  let sequence = 0;

  function topicOf(name: string) {
    let topic = topics.get(name);
    if (!topic) {
      topic = { log: [], listeners: new Set() };
      topics.set(name, topic);
    }
    return topic;
  }

  return {
    async publish(topic: string, payload: JsonValue) {
      sequence += 1;
      const message: BusMessage = { id: String(sequence), topic, payload };
      const state = topicOf(topic);
      state.log.push(message);
      if (state.log.length > retention) state.log.shift();
      for (const listener of [...state.listeners]) listener(message);
      return message.id;
    },
    async subscribe(topic, listener, subscribeOptions = {}) {
      const state = topicOf(topic);
      let gap = false;
      if (subscribeOptions.afterId !== undefined) {
        const after = Number(subscribeOptions.afterId);
        const first = state.log[0];
        if (first && Number(first.id) > after + 1 && Number.isFinite(after)) gap = true;
        for (const message of state.log) if (Number(message.id) > after) listener(message);
      }
      state.listeners.add(listener);
      const subscription: Subscription = {
        gap,
        unsubscribe: () => {
          state.listeners.delete(listener);
        },
      };
      return subscription;
    },
  };
}
