import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY_LIMITS, resolvePolicy } from "./resolve-policy.js";

describe("resolvePolicy", () => {
  it("fills missing fields with the defaults", () => {
    expect(resolvePolicy({ max_gas: 5 }, DEFAULT_POLICY_LIMITS)).toEqual({
      ok: true,
      policy: { ...DEFAULT_POLICY_LIMITS.defaults, max_gas: 5 },
    });
    expect(resolvePolicy(undefined, DEFAULT_POLICY_LIMITS)).toEqual({
      ok: true,
      policy: DEFAULT_POLICY_LIMITS.defaults,
    });
  });

  it("refuses each field above its maximum, naming the field and the maximum", () => {
    const result = resolvePolicy({ max_time: 60_001, max_memory: 1 << 30 }, DEFAULT_POLICY_LIMITS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.details.map((detail) => detail.path)).toEqual([
      "policy.max_memory",
      "policy.max_time",
    ]);
    expect(result.details[1]?.message).toContain("60000");
  });
});
