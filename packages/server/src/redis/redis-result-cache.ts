import { randomBytes } from "node:crypto";
import type { ResultCache, ResultCacheRecord } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { DEFAULT_REDIS_KEY_PREFIX } from "./redis-key-prefix.js";

/** The Redis commands the result cache uses. */
export type RedisResultCacheClient = Pick<Redis, "get" | "set" | "eval">;

/** Options of {@link createRedisResultCache}. */
export interface RedisResultCacheOptions {
  /** The Redis shared by the relays (only `GET`, `SET` and `EVAL` are used). */
  redis: RedisResultCacheClient;
  /** Prefix of every key written. @default "relay:" */
  keyPrefix?: string;
}

/** Deletes the claim only while it still holds the caller's token (one round trip). */
const RELEASE_CLAIM = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

function milliseconds(value: number): number {
  return Math.max(1, Math.ceil(value));
}

/**
 * {@link ResultCache} on Redis, shared by every relay on it: a record is one JSON string under
 * `<prefix>result:<key>` (`SET PX ttl`); a single-flight claim is `<prefix>result-claim:<key>`
 * holding a random token (`SET NX PX`), released by a script that deletes it only for its
 * holder.
 * @throws the client's error when Redis fails (the pipeline then skips the cache).
 */
export function createRedisResultCache(options: RedisResultCacheOptions): ResultCache {
  const { redis } = options;
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const recordKey = (key: string) => `${prefix}result:${key}`;
  const claimKey = (key: string) => `${prefix}result-claim:${key}`;
  return {
    async get(key) {
      const text = await redis.get(recordKey(key));
      return text === null ? undefined : (JSON.parse(text) as ResultCacheRecord);
    },
    async set(key, record, ttlMs) {
      await redis.set(recordKey(key), JSON.stringify(record), "PX", milliseconds(ttlMs));
    },
    async claim(key, holdMs) {
      const token = randomBytes(12).toString("base64url");
      const answer = await redis.set(claimKey(key), token, "PX", milliseconds(holdMs), "NX");
      return answer === "OK" ? token : undefined;
    },
    async release(key, token) {
      await redis.eval(RELEASE_CLAIM, 1, claimKey(key), token);
    },
  };
}
