import type { RateLimitDecision } from "../ports/rate-limit-store.js";

/**
 * `RateLimit-Policy` and `RateLimit` headers as in the IETF httpapi RateLimit headers draft
 * (structured fields: `q` quota, `w` window in seconds, `r` remaining, `t` seconds to reset).
 */
export function rateLimitHeaders(
  decision: RateLimitDecision,
  windowMs: number,
): Record<string, string> {
  return {
    "RateLimit-Policy": `"default";q=${decision.limit};w=${Math.ceil(windowMs / 1000)}`,
    RateLimit: `"default";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  };
}

/** Whole seconds until a refused request can pass (never earlier; at least 1). */
export function retryAfterSeconds(milliseconds: number): number {
  return Math.max(1, Math.ceil(milliseconds / 1000));
}
