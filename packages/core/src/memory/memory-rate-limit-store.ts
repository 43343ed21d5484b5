import { LRUCache } from "lru-cache";
import type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from "../ports/rate-limit-store.js";

/** Dropped entries at the front of a {@link TimestampLog} tolerated before it is compacted. */
const compactAfter = 1024;

/**
 * The accepted times of one key, oldest first: a queue over an array with a head index, so that
 * expired times leave from the front in O(1) amortized (the array is compacted once its dropped
 * prefix is at least {@link compactAfter} entries and half of it). While times arrive in order
 * (a clock that does not go back) the log is sorted and expiry only ever removes a prefix; a time
 * earlier than the newest one marks it unordered, and expiry then filters every entry (as a plain
 * filter would) until the log is in order again, so decisions are the same for any clock.
 */
class TimestampLog {
  private times: number[] = [];
  private head = 0;
  private ordered = true;

  /** Times counted (accepted and not yet expired). */
  get size(): number {
    return this.times.length - this.head;
  }

  /** The oldest counted time (the earliest recorded, in arrival order), or undefined if none. */
  oldest(): number | undefined {
    return this.head < this.times.length ? this.times[this.head] : undefined;
  }

  /** Records an accepted time (ms). */
  push(at: number): void {
    if (this.head < this.times.length && at < this.times[this.times.length - 1]!) {
      this.ordered = false;
    }
    this.times.push(at);
  }

  /** Forgets every time at or before `since` (ms). */
  dropUpTo(since: number): void {
    if (!this.ordered) {
      this.times = this.times.slice(this.head).filter((at) => at > since);
      this.head = 0;
      this.ordered = this.times.every((at, index) => index === 0 || this.times[index - 1]! <= at);
      return;
    }
    const times = this.times;
    let head = this.head;
    while (head < times.length && times[head]! <= since) head += 1;
    if (head === times.length) {
      times.length = 0;
      head = 0;
    } else if (head >= compactAfter && head * 2 >= times.length) {
      times.splice(0, head);
      head = 0;
    }
    this.head = head;
  }
}

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
 * more than `limit` in any `windowMs`; O(1) amortized per decision for a clock that does not go
 * back, expired times leaving from the front of a queue); fixed window a counter per window; token bucket
 * refills `limit` tokens per `windowMs` continuously. Memory is bounded by `maxKeys` (an lru-cache
 * `max`).
 * @throws TypeError when `maxKeys` is not a positive integer
 */
export function createMemoryRateLimitStore(
  options: MemoryRateLimitStoreOptions = {},
): RateLimitStore {
  const max = options.maxKeys ?? 10_000;
  const logs = new LRUCache<string, TimestampLog>({ max });
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max });

  function slidingWindow(key: string, rule: RateLimitRule, now: number): RateLimitDecision {
    let log = logs.get(key);
    if (log === undefined) {
      log = new TimestampLog();
      logs.set(key, log);
    }
    log.dropUpTo(now - rule.windowMs);
    const allowed = log.size < rule.limit;
    if (allowed) log.push(now);
    // Until the oldest counted request leaves the window (0 only when none is counted).
    const oldest = log.oldest();
    const resetMs = oldest === undefined ? 0 : Math.max(0, oldest + rule.windowMs - now);
    return { allowed, limit: rule.limit, remaining: Math.max(0, rule.limit - log.size), resetMs };
  }

  function fixedWindow(key: string, rule: RateLimitRule, now: number): RateLimitDecision {
    const windowStart = now - (now % rule.windowMs);
    const bucketKey = `${key}\u0000${windowStart}`;
    let log = logs.get(bucketKey);
    if (log === undefined) {
      log = new TimestampLog();
      logs.set(bucketKey, log);
    }
    const allowed = log.size < rule.limit;
    if (allowed) log.push(now);
    return {
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - log.size),
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
