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
  /**
   * Deliver retained messages published after this id first, then live ones.
   * @throws InvalidEventIdError (from `subscribe`) when the id is not one this bus could issue.
   */
  afterId?: string | undefined;
  /** Deliver every retained message first, then live ones (ignored when `afterId` is set). */
  fromStart?: boolean | undefined;
}

/** Thrown by {@link EventBus.subscribe} when `afterId` is not an id of the bus's format. */
export class InvalidEventIdError extends Error {
  override readonly name = "InvalidEventIdError";
  /** The id as given. */
  readonly eventId: string;
  constructor(eventId: string, expected: string) {
    super(`event id ${JSON.stringify(eventId.slice(0, 64))} is not valid: expected ${expected}`);
    this.eventId = eventId;
  }
}

/** Handle of a subscription. */
export interface Subscription {
  /** Stops delivery and releases everything the subscription holds. */
  unsubscribe(): void;
  /**
   * `true` when messages after `afterId` were lost to retention (or, with `fromStart`, when any
   * message was), or when `afterId` is newer than anything the topic holds (an id of another
   * bus or of a topic that was reset); delivery then starts with what is retained.
   */
  readonly gap: boolean;
}

/** "tmpbus": publish/subscribe of JSON payloads by topic, with bounded retention. */
export interface EventBus {
  /**
   * `true` when publishes issued one after another without awaiting each other still land in
   * call order (one ordered connection, or synchronous appends), so that a publisher may keep
   * several in flight. @default false: callers await each publish before the next
   */
  readonly ordersConcurrentPublishes?: boolean;
  /**
   * Publishes `payload` on `topic`.
   * @returns the message id.
   */
  publish(topic: string, payload: JsonValue): Promise<string>;
  /**
   * Delivers messages of `topic` to `listener` in publication order until unsubscribed: first
   * the retained ones asked for by `options` (before the promise resolves), then live ones,
   * each exactly once.
   * @throws InvalidEventIdError when `options.afterId` is malformed.
   */
  subscribe(
    topic: string,
    listener: (message: BusMessage) => void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
}
