import { randomBytes } from "node:crypto";
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from "@wasm-relay/core";
import { LUA_SCRIPTS } from "./lua-scripts.js";
import { DEFAULT_REDIS_KEY_PREFIX } from "./redis-key-prefix.js";
import type { RedisScript, RedisScriptClient } from "./redis-script.js";
import { runRedisScript } from "./redis-script.js";

/**
 * Whose clock measures the windows.
 * - `redis-server`: Redis `TIME`, read inside the script. Every instance sharing the Redis agrees,
 *   however skewed their own clocks are; the `nowMs` given to `consume` is ignored.
 * - `caller`: the `nowMs` given to `consume` (controlled clocks in tests; one-clock deployments).
 */
export type RateLimitTimeSource = "redis-server" | "caller";

/** Options of {@link createRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** The Redis to run the scripts on (only `evalsha` and `eval` are used). */
  redis: RedisScriptClient;
  /** Prefix of every key written. @default "relay:" */
  keyPrefix?: string;
  /** Whose clock measures the windows. @default "redis-server" */
  time?: RateLimitTimeSource;
}

const SCRIPTS: Record<RateLimitRule["algorithm"], RedisScript> = {
  "sliding-window": LUA_SCRIPTS.slidingWindow,
  "fixed-window": LUA_SCRIPTS.fixedWindow,
  "token-bucket": LUA_SCRIPTS.tokenBucket,
};

/**
 * How long a key outlives its window. With the caller's clock, Redis expires keys by its own
 * clock, which may differ from the caller's: keep them a minute longer.
 * @unit milliseconds
 */
const EXTRA_TIME_TO_LIVE: Record<RateLimitTimeSource, number> = {
  "redis-server": 1_000,
  caller: 60_000,
};

function checkRule(rule: RateLimitRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 0) {
    throw new RangeError(`rate limit rule: limit must be a whole number ≥ 0, got ${rule.limit}`);
  }
  if (!Number.isInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new RangeError(
      `rate limit rule: windowMs must be a whole number of milliseconds ≥ 1, got ${rule.windowMs}`,
    );
  }
  if (!(rule.algorithm in SCRIPTS)) {
    throw new RangeError(
      `rate limit rule: algorithm must be one of ${Object.keys(SCRIPTS).join(", ")}, got ${String(rule.algorithm)}`,
    );
  }
}

function toDecision(reply: unknown, rule: RateLimitRule): RateLimitDecision {
  if (!Array.isArray(reply) || reply.length !== 3 || !reply.every(Number.isInteger)) {
    throw new Error(`unexpected reply from the ${rule.algorithm} script: ${JSON.stringify(reply)}`);
  }
  const [allowed, remaining, resetMs] = reply as [number, number, number];
  return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs };
}

/**
 * {@link RateLimitStore} on Redis: one Lua script per algorithm, one round trip per decision,
 * atomic across every instance sharing the Redis. Keys: `<prefix>rate:<algorithm>:<key>`.
 *
 * `sliding-window` (the default algorithm) keeps a log of accepted times and is exact: never more
 * than `limit` accepted in any interval of `windowMs`. `fixed-window` counts per aligned window;
 * `token-bucket` refills `limit` tokens per `windowMs` continuously.
 * @throws RangeError from `consume` when the rule is malformed; the client's error when Redis fails.
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const time = options.time ?? "redis-server";
  // Members of the sliding-window log must be unique across instances: random instance id + counter.
  const instance = randomBytes(6).toString("hex");
  let counter = 0;

  return {
    async consume(key, rule, nowMs) {
      checkRule(rule);
      counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
      const reply = await runRedisScript(
        options.redis,
        SCRIPTS[rule.algorithm],
        [`${prefix}rate:${rule.algorithm}:${key}`],
        [
          rule.limit,
          rule.windowMs,
          time === "caller" ? nowMs : "",
          `${instance}:${counter.toString(36)}`,
          EXTRA_TIME_TO_LIVE[time],
        ],
      );
      return toDecision(reply, rule);
    },
  };
}
