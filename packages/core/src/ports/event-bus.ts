import type { JsonValue } from "../schemas/json-value.js";

/** The topics of tmpbus. */
export const BUS_TOPICS = {
  /** Published when an execution is accepted, before it runs. */
  requested: "wasm_exec_requested",
  /** Published when an execution finished (successfully or not). */
  completed: "wasm_exec_completed",
  /** Execution events (queued, started, progress, complete, error) for live streams. */
  executionEvents: "wasm_exec_events",
} as const;

/** A message as read from the bus. */
export interface BusMessage<T = JsonValue> {
  /** Position in the topic, increasing; usable as an SSE `id` and to resume after it. */
  id: string;
  /** Topic it was published on. */
  topic: string;
  /** The payload. */
  payload: T;
}

/** Where to start a subscription. */
export interface SubscribeOptions {
  /** Deliver retained messages published after this id first, then live ones. */
  afterId?: string | undefined;
}

/** Handle of a subscription. */
export interface Subscription {
  /** Stops delivery and releases everything the subscription holds. */
  unsubscribe(): void;
  /** `true` when `afterId` was older than what the bus retains (messages were lost to retention). */
  readonly gap: boolean;
}

/** "tmpbus": publish/subscribe of JSON payloads by topic, with bounded retention. */
export interface EventBus {
  /**
   * Publishes `payload` on `topic`.
   * @returns the message id.
   */
  publish(topic: string, payload: JsonValue): Promise<string>;
  /** Delivers messages of `topic` to `listener` in publication order until unsubscribed. */
  subscribe(
    topic: string,
    listener: (message: BusMessage) => void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
}
