/** The rate-limit algorithms a store may implement. */
export type RateLimitAlgorithm = "sliding-window" | "fixed-window" | "token-bucket";

/** One rate-limit rule applied to a key. */
export interface RateLimitRule {
  /** Most requests accepted per window. */
  limit: number;
  /** Length of the window. @unit milliseconds */
  windowMs: number;
  /** How the window is measured. `sliding-window` never admits more than `limit` in any interval of `windowMs`. @default "sliding-window" */
  algorithm: RateLimitAlgorithm;
}

/** The answer to one request for a slot. */
export interface RateLimitDecision {
  /** Whether the request may proceed (and was counted). */
  allowed: boolean;
  /** The rule's limit. */
  limit: number;
  /** Slots left in the current window after this decision. */
  remaining: number;
  /** Time until a slot frees (when refused: the earliest moment a retry can pass). @unit milliseconds */
  resetMs: number;
}

/**
 * Counts requests per key. `consume` is atomic: it checks and records in one step, so that
 * concurrent callers (even on several machines, for a shared store) never exceed the limit.
 */
export interface RateLimitStore {
  /**
   * Takes one slot for `key` under `rule` at time `nowMs`, or refuses.
   * A shared store may use its own clock instead of `nowMs`.
   * @throws when the store is unreachable (the caller decides what to do).
   */
  consume(key: string, rule: RateLimitRule, nowMs: number): Promise<RateLimitDecision>;
}
