import type { PolicyLimits } from "../policy/resolve-policy.js";
import { DEFAULT_POLICY_LIMITS } from "../policy/resolve-policy.js";
import type { RateLimitRule } from "../ports/rate-limit-store.js";
import type { JsonBounds } from "../schemas/json-value.js";
import { DEFAULT_JSON_BOUNDS } from "../schemas/json-value.js";

/** Tunables of the pipeline. */
export interface RelayConfig {
  /** Per-user rate limit. @default 10 per 60000 ms, sliding window */
  rateLimit: RateLimitRule;
  /** Per-role overrides of `rateLimit.limit`; the highest among a caller's roles applies. @default {} */
  rateLimitByRole: Readonly<Record<string, number>>;
  /** How long a completed response is replayed. @unit milliseconds @default 300000 */
  idempotencyTtlMs: number;
  /**
   * Added to `max_time` to bound an idempotency lease and a duplicate's wait for the first
   * request (module resolution and queueing take time too). @unit milliseconds @default 10000
   */
  idempotencyMarginMs: number;
  /** Policy defaults and maxima. */
  policy: PolicyLimits;
  /** Name of this relay in events (`executor_node` prefix). @default "relay" */
  nodeName: string;
  /**
   * Bounds on a request's `inputs` (nesting depth, number of values), checked before validation
   * so that no recursive step sees a deeper document. @default 64 levels, 100000 values
   */
  inputBounds: JsonBounds;
  /** How long a cached result answers. @unit milliseconds @default 300000 */
  resultCacheTtlMs: number;
  /**
   * Longest a request waits for another relay's run of the same question (single flight)
   * before running it itself; also bounded by its `max_time` plus `idempotencyMarginMs`.
   * @unit milliseconds @default 30000
   */
  resultCacheWaitMs: number;
  /**
   * Names whatever besides the question decides results (the executor's output limits, its
   * metering version): relays with different scopes never share cache entries. @default ""
   */
  resultCacheScope: string;
}

/** The defaults of {@link RelayConfig}, which are the seed's. */
export const DEFAULT_RELAY_CONFIG: RelayConfig = {
  rateLimit: { limit: 10, windowMs: 60_000, algorithm: "sliding-window" },
  rateLimitByRole: {},
  idempotencyTtlMs: 300_000,
  idempotencyMarginMs: 10_000,
  policy: DEFAULT_POLICY_LIMITS,
  nodeName: "relay",
  inputBounds: DEFAULT_JSON_BOUNDS,
  resultCacheTtlMs: 300_000,
  resultCacheWaitMs: 30_000,
  resultCacheScope: "",
};
