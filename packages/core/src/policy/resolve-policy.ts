import type { Policy, RequestedPolicy } from "../schemas/policy.js";
import type { ProblemDetail } from "../schemas/problem.js";

/** Server-side policy bounds. */
export interface PolicyLimits {
  /** Taken for fields the request leaves out. */
  defaults: Policy;
  /** A request above any of these is refused. */
  maxima: Policy;
}

/** Default policy bounds: 16 MiB, 10 million gas, 5 s; maxima 256 MiB, 1 billion gas, 60 s. */
export const DEFAULT_POLICY_LIMITS: PolicyLimits = {
  defaults: { max_memory: 16 * 1024 * 1024, max_gas: 10_000_000, max_time: 5_000 },
  maxima: { max_memory: 256 * 1024 * 1024, max_gas: 1_000_000_000, max_time: 60_000 },
};

/** The effective policy, or the fields that exceed their maximum. */
export type PolicyResolution =
  | { ok: true; policy: Policy }
  | { ok: false; details: ProblemDetail[] };

/**
 * Applies defaults to missing fields and refuses any field above its maximum.
 * Never throws; the issues name the field and the maximum.
 */
export function resolvePolicy(
  requested: RequestedPolicy | undefined,
  limits: PolicyLimits,
): PolicyResolution {
  const policy: Policy = { ...limits.defaults };
  const details: ProblemDetail[] = [];
  for (const field of ["max_memory", "max_gas", "max_time"] as const) {
    const value = requested?.[field];
    if (value === undefined) continue;
    const maximum = limits.maxima[field];
    if (value > maximum) {
      details.push({
        path: `policy.${field}`,
        message: `must be at most ${maximum} (server maximum); got ${value}`,
        code: "too_big",
      });
    }
    policy[field] = value;
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, policy };
}
