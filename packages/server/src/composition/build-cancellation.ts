import { type CancellationRegistry, createMemoryCancellationRegistry } from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import { createRedisCancellationRegistry } from "../redis/redis-cancellation-registry.js";
import type { SharedStores } from "../stores/create-stores.js";
import { withLocalCancellationFallback } from "../stores/local-cancellation-fallback.js";

/** Longest start-up waits for the cancellation subscriber's first connection. @unit milliseconds */
const SUBSCRIBER_CONNECT_WAIT_MS = 1_000;

/** The relay's cancellation registry and how to release it. */
export interface OwnedCancellationRegistry {
  /** Where executions are tracked for `DELETE /intent/execute-wasm/{request_id}`. */
  registry: CancellationRegistry;
  /** Unsubscribes and closes the subscriber connection (none in memory). */
  close(): Promise<void>;
}

/**
 * The cancellation registry: on Redis when the stores are (a cancel arriving at any relay then
 * reaches the relay awaiting the execution), in-process otherwise. The Redis one listens on a
 * connection of its own, subscribed at start-up when Redis answers within a second (else at the
 * first execution). While Redis is down, a cancel reaches the executions of the relay it
 * arrives at (each relay also tracks its own in memory); one for another relay is answered 503.
 * @param onSharedFailure told when Redis could not track an execution.
 */
export async function buildCancellation(
  config: ServerConfig,
  stores: SharedStores,
  onSharedFailure?: (error: unknown) => void,
): Promise<OwnedCancellationRegistry> {
  if (!stores.redis) {
    return { registry: createMemoryCancellationRegistry(), close: async () => {} };
  }
  const subscriber = stores.redis.duplicate({
    // A subscribed connection may send no INFO: the ready check would race the SUBSCRIBE.
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
  });
  // Connection errors are the shared client's to report; this one reconnects by itself.
  subscriber.on("error", () => {});
  const registry = createRedisCancellationRegistry({
    redis: stores.redis,
    subscriber,
    keyPrefix: config.REDIS_KEY_PREFIX,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    new Promise<void>((resolve) => subscriber.once("ready", () => resolve())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SUBSCRIBER_CONNECT_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  await registry.listen().catch(() => undefined);
  return {
    registry: withLocalCancellationFallback({ shared: registry, onSharedFailure }),
    async close() {
      await registry.close();
      subscriber.disconnect();
    },
  };
}
