import { LRUCache } from "lru-cache";
import type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from "../ports/rate-limit-store.js";

/** Options of {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys (users) tracked at once, per algorithm family (window logs, token buckets); the
   * least recently seen is forgotten. Must be a positive integer. @default 10000
   */
  maxKeys?: number;
}

/**
 * In-process {@link RateLimitStore}. Sliding window is a log of accepted times (exact: never
 * more than `limit` in any `windowMs`); fixed window a counter per window; token bucket
 * refills `limit` tokens per `windowMs` continuously. Memory is bounded by `maxKeys` (an lru-cache
 * `max`).
 * @throws TypeError when `maxKeys` is not a positive integer
 */
export function createMemoryRateLimitStore(
  options: MemoryRateLimitStoreOptions = {},
): RateLimitStore {
  const max = options.maxKeys ?? 10_000;
  const logs = new LRUCache<string, number[]>({ max });
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max });

  function slidingWindow(key: string, rule: RateLimitRule, now: number): RateLimitDecision {
    const since = now - rule.windowMs;
    const log = (logs.get(key) ?? []).filter((at) => at > since);
    const allowed = log.length < rule.limit;
    if (allowed) log.push(now);
    logs.set(key, log);
    // Until the oldest counted request leaves the window (0 only when none is counted).
    const resetMs = log.length === 0 ? 0 : Math.max(0, log[0]! + rule.windowMs - now);
    return { allowed, limit: rule.limit, remaining: Math.max(0, rule.limit - log.length), resetMs };
  }

  function fixedWindow(key: string, rule: RateLimitRule, now: number): RateLimitDecision {
    const windowStart = now - (now % rule.windowMs);
    const bucketKey = `${key}\u0000${windowStart}`;
    const log = logs.get(bucketKey) ?? [];
    const allowed = log.length < rule.limit;
    if (allowed) log.push(now);
    logs.set(bucketKey, log);
    return {
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - log.length),
      resetMs: windowStart + rule.windowMs - now,
    };
  }

  function tokenBucket(key: string, rule: RateLimitRule, now: number): RateLimitDecision {
    const perMs = rule.limit / rule.windowMs;
    const bucket = buckets.get(key) ?? { tokens: rule.limit, at: now };
    const tokens = Math.min(rule.limit, bucket.tokens + (now - bucket.at) * perMs);
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    buckets.set(key, { tokens: left, at: now });
    // Until the next whole token is back (0 only when the bucket is full).
    const resetMs = left >= rule.limit ? 0 : Math.ceil((Math.floor(left) + 1 - left) / perMs);
    return { allowed, limit: rule.limit, remaining: Math.floor(left), resetMs };
  }

  return {
    async consume(key, rule, nowMs) {
      switch (rule.algorithm) {
        case "fixed-window":
          return fixedWindow(key, rule, nowMs);
        case "token-bucket":
          return tokenBucket(key, rule, nowMs);
        default:
          return slidingWindow(key, rule, nowMs);
      }
    },
  };
}
