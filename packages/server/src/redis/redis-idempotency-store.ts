import { randomBytes } from "node:crypto";
import type { IdempotencyBegin, IdempotencyRecord, IdempotencyStore } from "@wasm-relay/core";
import { LUA_SCRIPTS } from "./lua-scripts.js";
import { DEFAULT_REDIS_KEY_PREFIX } from "./redis-key-prefix.js";
import type { RedisScriptClient } from "./redis-script.js";
import { runRedisScript } from "./redis-script.js";

/** Options of {@link createRedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /** The Redis to run the scripts on (only `evalsha` and `eval` are used). */
  redis: RedisScriptClient;
  /** Prefix of every key written. @default "relay:" */
  keyPrefix?: string;
}

// One Redis string per key: a lease "L<token>\n<fingerprint>" (SET NX PX), then the record
// "C<record JSON>" (SET PX ttl). The tag lets the scripts compare tokens without decoding JSON.
const LEASE_TAG = "L";
const RECORD_TAG = "C";

function checkDuration(name: string, milliseconds: number): number {
  if (!Number.isFinite(milliseconds) || milliseconds <= 0) {
    throw new RangeError(
      `idempotency store: ${name} must be a positive number of milliseconds, got ${milliseconds}`,
    );
  }
  return Math.ceil(milliseconds);
}

function parseHeld(key: string, value: unknown): IdempotencyBegin {
  if (typeof value === "string" && value.startsWith(LEASE_TAG)) {
    const newline = value.indexOf("\n");
    if (newline > 0) return { state: "in_progress", fingerprint: value.slice(newline + 1) };
  }
  if (typeof value === "string" && value.startsWith(RECORD_TAG)) {
    return { state: "completed", record: JSON.parse(value.slice(1)) as IdempotencyRecord };
  }
  throw new Error(`idempotency store: unexpected value under ${key}: ${JSON.stringify(value)}`);
}

/**
 * {@link IdempotencyStore} on Redis. `begin` takes a lease with `SET NX PX` and a random token;
 * `complete` and `release` act only while that token still holds the key, so a holder whose
 * lease expired (crashed, or too slow) can neither overwrite the newer holder's record nor free
 * its lease. Each call is one Lua script, one round trip. Keys: `<prefix>idempotency:<key>`
 * (the pipeline already scopes `key` to the user).
 * @throws RangeError when a duration is not a positive number; the client's error when Redis fails.
 */
export function createRedisIdempotencyStore(
  options: RedisIdempotencyStoreOptions,
): IdempotencyStore {
  const prefix = `${options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX}idempotency:`;
  const redis = options.redis;

  return {
    async begin(key, fingerprint, leaseMs) {
      const leaseToken = randomBytes(16).toString("hex");
      const reply = await runRedisScript(
        redis,
        LUA_SCRIPTS.idempotencyBegin,
        [prefix + key],
        [`${LEASE_TAG}${leaseToken}\n${fingerprint}`, checkDuration("leaseMs", leaseMs)],
      );
      if (Array.isArray(reply) && reply[0] === "acquired") return { state: "acquired", leaseToken };
      if (Array.isArray(reply) && reply[0] === "held") return parseHeld(prefix + key, reply[1]);
      throw new Error(`idempotency store: unexpected reply to begin: ${JSON.stringify(reply)}`);
    },
    async complete(key, leaseToken, record, ttlMs) {
      const reply = await runRedisScript(
        redis,
        LUA_SCRIPTS.idempotencyComplete,
        [prefix + key],
        [
          `${LEASE_TAG}${leaseToken}\n`,
          RECORD_TAG + JSON.stringify(record),
          checkDuration("ttlMs", ttlMs),
        ],
      );
      return reply === 1;
    },
    async release(key, leaseToken) {
      await runRedisScript(
        redis,
        LUA_SCRIPTS.idempotencyRelease,
        [prefix + key],
        [`${LEASE_TAG}${leaseToken}\n`],
      );
    },
  };
}
