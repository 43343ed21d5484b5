import type { IdempotencyStore, Metrics, RateLimitStore } from "@wasm-relay/core";
import {
  createMemoryIdempotencyStore,
  createMemoryRateLimitStore,
  noopMetrics,
} from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { createRedisClient } from "../redis/create-redis-client.js";
import { createRedisIdempotencyStore } from "../redis/redis-idempotency-store.js";
import { createRedisRateLimitStore } from "../redis/redis-rate-limit-store.js";
import { createFallbackIdempotencyStore } from "./fallback-idempotency-store.js";
import { createFallbackRateLimitStore } from "./fallback-rate-limit-store.js";
import { createRedisAvailability } from "./redis-availability.js";
import { withTimeBound } from "./time-bound.js";

/** Default of `operationTimeoutMs` (`RELAY_REDIS_TIMEOUT`). @unit milliseconds */
export const DEFAULT_REDIS_TIMEOUT_MS = 2_000;

/** Longest the availability probe (`PING`) waits while Redis is down. @unit milliseconds */
const PROBE_TIMEOUT_MS = 100;

/** Options of {@link createStores}. */
export interface CreateStoresOptions {
  /** Redis to share state through (`redis://…`, `rediss://…`); unset means memory stores. */
  redisUrl?: string | undefined;
  /** Prefix of every Redis key written. @default "relay:" */
  keyPrefix?: string | undefined;
  /**
   * Longest a store call waits on a connected Redis; past it the call is refused with
   * `StoreUnavailableError` (the server answers 503 with `Retry-After`), never answered
   * from memory. `RELAY_REDIS_TIMEOUT`. @unit milliseconds @default 2000
   */
  operationTimeoutMs?: number | undefined;
  /**
   * Longest `createStores` waits for the first connection; past it, the stores start on memory
   * (degraded) and switch to Redis when it answers. @unit milliseconds @default 1000
   */
  connectTimeoutMs?: number | undefined;
  /** Counts fallback decisions as `relay.store.fallback` {store}. @default no metrics */
  metrics?: Metrics | undefined;
}

/** The rate-limit and idempotency stores of a relay, with their shared dependency. */
export interface SharedStores {
  /** Rate limits: Redis (exact across instances) or memory (per instance). */
  rateLimit: RateLimitStore;
  /** Idempotency leases and records: Redis (across instances) or memory (per instance). */
  idempotency: IdempotencyStore;
  /**
   * The Redis client, when `redisUrl` was given (for other Redis adapters to share). Commands
   * fail at once while disconnected and time out after 2 × `operationTimeoutMs`.
   */
  redis?: Redis;
  /** Why the stores are not on Redis right now (empty while healthy or when memory was asked for). */
  degradedReasons(): string[];
  /** Stops probing and closes the Redis connection. */
  close(): Promise<void>;
}

/**
 * Creates the relay's shared stores. Without `redisUrl`: the memory stores of core. With it:
 * the Redis adapters behind a fallback that is used only while Redis is *down*:
 * - Redis down (the connection is lost or cannot be made): the stores answer from memory at
 *   once (limits and deduplication then hold per instance) and `degradedReasons()` says why; a
 *   probe (`PING` every 250 ms) switches back to Redis as soon as it answers again.
 *   `relay.store.fallback` {store} counts every decision made from memory.
 * - Redis connected but slow: a call waits up to `operationTimeoutMs`, then is refused with
 *   `StoreUnavailableError` (the same for an error reply). It is never answered from
 *   memory, so limits stay exact and an execution runs once across instances while Redis is up.
 * Never rejects because Redis is down at start-up: the stores then start degraded.
 * @throws TypeError when `redisUrl` is not a redis:// or rediss:// URL, RangeError when
 *   `operationTimeoutMs` is not a positive number.
 */
export async function createStores(options: CreateStoresOptions = {}): Promise<SharedStores> {
  const memoryRateLimit = createMemoryRateLimitStore();
  const memoryIdempotency = createMemoryIdempotencyStore();
  if (options.redisUrl === undefined) {
    return {
      rateLimit: memoryRateLimit,
      idempotency: memoryIdempotency,
      degradedReasons: () => [],
      close: async () => {},
    };
  }

  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`operationTimeoutMs must be a positive number, got ${timeoutMs}`);
  }
  let lastError: Error | undefined;
  const redis = createRedisClient(options.redisUrl, {
    // The stores bound their calls themselves (letting an answer that arrived during a stalled
    // event loop still win); the client's own timeout, which cannot, only stops what outlives that.
    commandTimeoutMs: 2 * timeoutMs,
    onError: (error) => {
      lastError = error;
    },
  });
  const availability = createRedisAvailability({
    // While disconnected, the connection's own error says more than the refused PING would.
    probe: () =>
      redis.status === "ready"
        ? redis.ping()
        : Promise.reject(lastError ?? new Error(`not connected (${redis.status})`)),
    probeTimeoutMs: Math.min(timeoutMs, PROBE_TIMEOUT_MS),
    connected: () => redis.status === "ready",
  });
  // A lost connection makes commands fail at once anyway; marking it here also turns health
  // `degraded` while no request is coming in.
  const onClose = () => availability.markUnavailable(lastError ?? new Error("connection closed"));
  redis.on("close", onClose);

  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  let settle: { ready(): void; failed(error: Error): void } | undefined;
  try {
    await withTimeBound(
      new Promise<void>((resolve, reject) => {
        settle = { ready: () => resolve(), failed: reject };
        if (redis.status === "ready") resolve();
        redis.once("ready", settle.ready);
        redis.once("error", settle.failed);
      }),
      connectTimeoutMs,
    );
  } catch (error) {
    availability.markUnavailable(lastError ?? error);
  } finally {
    if (settle) {
      redis.off("ready", settle.ready);
      redis.off("error", settle.failed);
    }
  }

  const metrics = options.metrics ?? noopMetrics;
  const keyPrefix = options.keyPrefix;
  return {
    rateLimit: createFallbackRateLimitStore({
      primary: createRedisRateLimitStore({ redis, keyPrefix }),
      fallback: memoryRateLimit,
      availability,
      timeoutMs,
      metrics,
    }),
    idempotency: createFallbackIdempotencyStore({
      primary: createRedisIdempotencyStore({ redis, keyPrefix }),
      fallback: memoryIdempotency,
      availability,
      timeoutMs,
      metrics,
    }),
    redis,
    degradedReasons: () => (availability.reason === undefined ? [] : [availability.reason]),
    close: async () => {
      availability.close();
      redis.off("close", onClose);
      if (redis.status === "end") return;
      if (redis.status !== "ready") return redis.disconnect();
      const ended = new Promise((resolve) => redis.once("end", resolve));
      redis.quit().catch(() => redis.disconnect());
      // QUIT lets replies in flight arrive; a Redis that does not answer is cut off.
      await withTimeBound(ended, timeoutMs).catch(() => redis.disconnect());
    },
  };
}
