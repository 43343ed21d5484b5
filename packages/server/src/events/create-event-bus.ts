import { createMemoryEventBus, type EventBus } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { createRedisEventBus, DEFAULT_EVENT_STREAM_PREFIX } from "./redis-event-bus.js";

/** Options of {@link createEventBus}. */
export interface CreateEventBusOptions {
  /** The shared Redis connection (`createStores().redis`); unset means the in-process bus. */
  redis?: Redis | undefined;
  /** Prefix of the stream keys. @default "relay:events:" */
  keyPrefix?: string | undefined;
  /** Events kept per topic for `Last-Event-ID` resumption. @default 10000 */
  retention?: number | undefined;
  /** Receives read-loop failures of the Redis bus. */
  onError?: ((error: Error) => void) | undefined;
}

/** The relay's bus and how to release it. */
export interface OwnedEventBus {
  /** "tmpbus": Redis Streams (shared across instances) or in-process. */
  bus: EventBus;
  /** Which adapter it is. */
  kind: "redis" | "memory";
  /** Stops the Redis read loop (the shared connection stays open); nothing for memory. */
  close(): Promise<void>;
}

/**
 * The server's event bus: Redis Streams when a Redis connection is given (so that a subscriber
 * on one instance sees executions of every instance), the in-process memory bus otherwise.
 */
export function createEventBus(options: CreateEventBusOptions): OwnedEventBus {
  if (options.redis === undefined) {
    return {
      bus: createMemoryEventBus({ retention: options.retention ?? 10_000 }),
      kind: "memory",
      close: async () => {},
    };
  }
  const bus = createRedisEventBus({
    redis: options.redis,
    keyPrefix: options.keyPrefix ?? DEFAULT_EVENT_STREAM_PREFIX,
    retention: options.retention,
    onError: options.onError,
  });
  return { bus, kind: "redis", close: () => bus.close() };
}
