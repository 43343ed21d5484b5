import type { ResultCache } from "@wasm-relay/core";
import { createMemoryResultCache } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { createRedisResultCache } from "../redis/redis-result-cache.js";
import { withTimeBound } from "./time-bound.js";

/** Longest one result-cache call may wait on Redis: a slow cache must not slow answers. @unit milliseconds */
const LONGEST_CACHE_CALL_MS = 250;

/** Options of {@link createResultCache}. */
export interface CreateResultCacheOptions {
  /** `RELAY_RESULT_CACHE`. */
  kind: "off" | "memory" | "redis";
  /** `RELAY_RESULT_CACHE_MAX_BYTES` (memory). @unit bytes */
  maxBytes: number;
  /** The stores' Redis client (required for `redis`). */
  redis?: Redis | undefined;
  /** Prefix of every Redis key. @default "relay:" */
  keyPrefix?: string | undefined;
  /** The stores' operation bound; cache calls wait at most the smaller of it and 250 ms. @unit milliseconds */
  operationTimeoutMs?: number | undefined;
}

/**
 * The relay's result cache: none (`off`), this process's memory (`memory`), or the shared
 * Redis (`redis`). On Redis, a call fails at once while the connection is not ready and after
 * a short bound when Redis is slow; the pipeline then skips the cache (the request runs), so
 * Redis being down is never an error.
 * @throws Error for `redis` without a Redis client.
 */
export function createResultCache(options: CreateResultCacheOptions): ResultCache | undefined {
  if (options.kind === "off") return undefined;
  if (options.kind === "memory") return createMemoryResultCache({ maxBytes: options.maxBytes });
  const redis = options.redis;
  if (!redis) throw new Error("RELAY_RESULT_CACHE=redis needs REDIS_URL");
  const shared = createRedisResultCache({ redis, keyPrefix: options.keyPrefix });
  const boundMs = Math.min(
    options.operationTimeoutMs ?? LONGEST_CACHE_CALL_MS,
    LONGEST_CACHE_CALL_MS,
  );
  const bounded =
    <Args extends unknown[], T>(call: (...args: Args) => Promise<T>) =>
    (...args: Args): Promise<T> => {
      if (redis.status !== "ready") {
        return Promise.reject(new Error(`Redis is not connected (${redis.status})`));
      }
      return withTimeBound(call(...args), boundMs);
    };
  return {
    get: bounded(shared.get),
    set: bounded(shared.set),
    claim: bounded(shared.claim),
    release: bounded(shared.release),
  };
}
