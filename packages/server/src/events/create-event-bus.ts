import { createMemoryEventBus, type EventBus } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { createRedisEventBus, DEFAULT_EVENT_STREAM_PREFIX } from "./redis-event-bus.js";

/** Options of {@link createEventBus}. */
export interface CreateEventBusOptions {
  /**
   * The shared Redis connection (`createStores().redis`); unset means the in-process bus. The bus
   * opens two connections of its own from its options (commands, blocking reads).
   */
  redis?: Redis | undefined;
  /** Prefix of the stream keys. @default "relay:events:" */
  keyPrefix?: string | undefined;
  /** Events kept per topic for `Last-Event-ID` resumption. @default 10000 */
  retention?: number | undefined;
  /**
   * Most payload bytes the in-process bus keeps per topic (the Redis bus is bounded by count).
   * @unit bytes @default 67108864
   */
  retentionBytes?: number | undefined;
  /**
   * Longest a publish or a subscription's catch-up read waits for Redis before it fails.
   * @unit milliseconds @default 5000
   */
  commandTimeoutMs?: number | undefined;
  /** Receives read-loop failures of the Redis bus. */
  onError?: ((error: Error) => void) | undefined;
}

/** The relay's bus and how to release it. */
export interface OwnedEventBus {
  /** "tmpbus": Redis Streams (shared across instances) or in-process. */
  bus: EventBus;
  /** Which adapter it is. */
  kind: "redis" | "memory";
  /** Stops the Redis read loop and closes the bus's connections (the shared one stays open). */
  close(): Promise<void>;
}

/**
 * The server's event bus: Redis Streams when a Redis connection is given (so that a subscriber
 * on one instance sees executions of every instance), the in-process memory bus otherwise.
 */
export function createEventBus(options: CreateEventBusOptions): OwnedEventBus {
  if (options.redis === undefined) {
    return {
      bus: createMemoryEventBus({
        retention: options.retention ?? 10_000,
        ...(options.retentionBytes !== undefined ? { retentionBytes: options.retentionBytes } : {}),
      }),
      kind: "memory",
      close: async () => {},
    };
  }
  // A command connection of the bus's own: the shared one fails any command after 100 ms (the
  // stores then answer from memory), which under load would drop events and refuse streams.
  const commands = options.redis.duplicate({
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    // The publishes of one execution issued in one tick (`requested` and `execution_queued`;
    // `execution_complete` and `completed`) go out in one write; Redis still runs them in order.
    enableAutoPipelining: true,
  });
  commands.on("error", (error: Error) => options.onError?.(error));
  const keyPrefix = options.keyPrefix ?? DEFAULT_EVENT_STREAM_PREFIX;
  const bus = createRedisEventBus({
    redis: commands,
    keyPrefix,
    retention: options.retention,
    onError: options.onError,
  });
  return {
    bus,
    kind: "redis",
    close: async () => {
      await bus.close();
      commands.disconnect();
    },
  };
}
