import { randomBytes } from "node:crypto";
import {
  type CancelAnswer,
  type CancellationRegistry,
  scopeIdempotencyKey,
} from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { LUA_SCRIPTS } from "./lua-scripts.js";
import { DEFAULT_REDIS_KEY_PREFIX } from "./redis-key-prefix.js";
import { type RedisScriptClient, runRedisScript } from "./redis-script.js";

/** The part of a Redis connection that listens on the cancellation channel. */
export type RedisSubscriberClient = Pick<Redis, "subscribe" | "unsubscribe" | "on" | "off">;

/** Options of {@link createRedisCancellationRegistry}. */
export interface RedisCancellationRegistryOptions {
  /** Runs the scripts (the relay's shared client). */
  redis: RedisScriptClient;
  /**
   * A connection of its own for `SUBSCRIBE` (a subscribed connection runs no other command),
   * e.g. `redis.duplicate()`. The registry subscribes on first use; `close` unsubscribes.
   */
  subscriber: RedisSubscriberClient;
  /** Prefix of every key and of the channel. @default "relay:" */
  keyPrefix?: string | undefined;
}

/** A {@link CancellationRegistry} on Redis that can stop listening. */
export interface RedisCancellationRegistry extends CancellationRegistry {
  /**
   * Subscribes to the channel now rather than at the first `track` (which also retries it when
   * it failed). @throws the subscriber's error (Redis unreachable).
   */
  listen(): Promise<void>;
  /** Unsubscribes from the channel (the subscriber connection is the caller's to close). */
  close(): Promise<void>;
}

/**
 * {@link CancellationRegistry} shared by every relay on one Redis. Each tracked execution is a
 * field (a random token → state, request id, user) of an index hash by request id
 * (`<prefix>cancellation:id:<request id>`) and, when it was sent with an idempotency key, of one
 * by the user-scoped key (`<prefix>cancellation:key:<scoped key>`). A cancel marks the matching
 * running fields `cancelling` and `PUBLISH`es their tokens on `<prefix>cancellation` in the same
 * script; the relay that tracked a token hears it on its subscriber connection and calls the
 * execution's listener. One round trip per index to track, to finish and to cancel; each script
 * touches one key. A relay that dies leaves its running fields until the index expires
 * (`runningTtlMs`, twice the run's bound).
 */
export function createRedisCancellationRegistry(
  options: RedisCancellationRegistryOptions,
): RedisCancellationRegistry {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const channel = `${prefix}cancellation`;
  const listeners = new Map<string, () => void>();
  const onMessage = (from: string, token: string) => {
    if (from !== channel) return;
    const listener = listeners.get(token);
    if (!listener) return;
    listeners.delete(token);
    listener();
  };
  let subscribed: Promise<void> | undefined;
  const subscribe = (): Promise<void> => {
    if (!subscribed) {
      options.subscriber.on("message", onMessage);
      subscribed = options.subscriber.subscribe(channel).then(
        () => undefined,
        (error: unknown) => {
          options.subscriber.off("message", onMessage);
          subscribed = undefined;
          throw error;
        },
      );
    }
    return subscribed;
  };
  const indexes = (requestId: string, userId: string, key: string | undefined) => [
    `${prefix}cancellation:id:${requestId}`,
    ...(key !== undefined ? [`${prefix}cancellation:key:${scopeIdempotencyKey(userId, key)}`] : []),
  ];
  const write = (keys: string[], token: string, value: string, ttlMs: number) =>
    Promise.all(
      keys.map((key) =>
        runRedisScript(options.redis, LUA_SCRIPTS.cancellationTrack, [key], [token, value, ttlMs]),
      ),
    );

  return {
    async track(execution, onCancel, trackOptions) {
      await subscribe();
      const token = randomBytes(12).toString("hex");
      const keys = indexes(execution.requestId, execution.userId, execution.idempotencyKey);
      const described = `${execution.requestId}\n${execution.userId}`;
      listeners.set(token, onCancel);
      try {
        await write(keys, token, `R${described}`, trackOptions.runningTtlMs);
      } catch (error) {
        listeners.delete(token);
        throw error;
      }
      let finished = false;
      return {
        async finish() {
          if (finished) return;
          finished = true;
          listeners.delete(token);
          await write(keys, token, `F${described}`, trackOptions.finishedTtlMs);
        },
      };
    },
    async cancel(request): Promise<CancelAnswer> {
      const replies = await Promise.all([
        runRedisScript(
          options.redis,
          LUA_SCRIPTS.cancellationCancel,
          [`${prefix}cancellation:id:${request.id}`],
          [request.userId, request.anyUser ? "1" : "0", channel],
        ),
        // The key index holds the caller's own executions only: every field matches.
        runRedisScript(
          options.redis,
          LUA_SCRIPTS.cancellationCancel,
          [`${prefix}cancellation:key:${scopeIdempotencyKey(request.userId, request.id)}`],
          [request.userId, "1", channel],
        ),
      ]);
      const cancelling = new Set<string>();
      const finished = new Set<string>();
      for (const reply of replies as [number, number, ...string[]][]) {
        const [cancellingCount, , ...requestIds] = reply;
        requestIds.forEach((requestId, index) => {
          (index < cancellingCount ? cancelling : finished).add(String(requestId));
        });
      }
      if (cancelling.size > 0) return { state: "cancelling", requestIds: [...cancelling] };
      if (finished.size > 0) return { state: "finished", requestIds: [...finished] };
      return { state: "unknown" };
    },
    listen: subscribe,
    async close() {
      listeners.clear();
      if (!subscribed) return;
      subscribed = undefined;
      options.subscriber.off("message", onMessage);
      await options.subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
