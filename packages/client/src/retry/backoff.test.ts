import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles from initialDelay up to maxDelay", () => {
    const options = { initialDelay: 100, maxDelay: 1000, random: () => 0 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("takes off up to 25 % jitter", () => {
    expect(backoffDelay(2, { initialDelay: 100, maxDelay: 1000, random: () => 0.999 })).toBe(150);
    for (let index = 0; index < 100; index++) {
      const delay = backoffDelay(3, { initialDelay: 100, maxDelay: 1000 });
      expect(delay).toBeGreaterThanOrEqual(300);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
