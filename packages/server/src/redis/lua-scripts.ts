import {
  cancellationCancelLua,
  cancellationTrackLua,
  fixedWindowLua,
  idempotencyBeginLua,
  idempotencyCompleteLua,
  idempotencyReleaseLua,
  slidingWindowLua,
  tokenBucketLua,
} from "./lua-script-sources.js";
import { defineRedisScript } from "./redis-script.js";

/** The Lua scripts of the Redis adapters, one per decision, each run in one round trip. */
export const LUA_SCRIPTS = {
  /** Exact sliding-window rate limit (log of accepted times). */
  slidingWindow: defineRedisScript("sliding-window", slidingWindowLua),
  /** Fixed-window rate limit (counter per aligned window). */
  fixedWindow: defineRedisScript("fixed-window", fixedWindowLua),
  /** Token-bucket rate limit (continuous refill). */
  tokenBucket: defineRedisScript("token-bucket", tokenBucketLua),
  /** Idempotency: take the lease (`SET NX PX`) or read what holds the key. */
  idempotencyBegin: defineRedisScript("idempotency-begin", idempotencyBeginLua),
  /** Idempotency: store the record if the lease token still holds the key. */
  idempotencyComplete: defineRedisScript("idempotency-complete", idempotencyCompleteLua),
  /** Idempotency: drop the lease if the lease token still holds the key. */
  idempotencyRelease: defineRedisScript("idempotency-release", idempotencyReleaseLua),
  /** Cancellation: record an execution's state (running, finished) in an index. */
  cancellationTrack: defineRedisScript("cancellation-track", cancellationTrackLua),
  /** Cancellation: mark matching running executions cancelling and publish their tokens. */
  cancellationCancel: defineRedisScript("cancellation-cancel", cancellationCancelLua),
} as const;
