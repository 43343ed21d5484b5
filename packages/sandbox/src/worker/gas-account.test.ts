import { describe, expect, it } from "vitest";
import { GasAccount } from "./gas-account.js";

describe("GasAccount", () => {
  it("hands out the budget in chunks and publishes the gas spent", () => {
    const progress = new Float64Array(1);
    const account = new GasAccount(1_000_000_000, progress);
    const first = account.refill(-5n);
    expect(first).toBeGreaterThan(0n);
    expect(progress[0]).toBe(5);
    // The module spent the whole chunk and 10 more.
    const second = account.refill(-10n);
    expect(second).toBeGreaterThan(0n);
    expect(account.used(second - 1n)).toBe(Number(first) + 5 + 10 + 1);
    expect(account.exhausted).toBe(false);
  });

  it("stops at the budget: the counter stays negative and gas used is the budget", () => {
    const account = new GasAccount(100, new Float64Array(1));
    expect(account.refill(-1n)).toBe(99n);
    expect(account.refill(-1n)).toBe(-1n);
    expect(account.exhausted).toBe(true);
    expect(account.used(-1n)).toBe(100);
  });

  it("marks a run that ends over budget as exhausted", () => {
    const account = new GasAccount(100, new Float64Array(1));
    account.refill(-1n); // granted 100, counter 99
    expect(account.used(-3n)).toBe(100);
    expect(account.exhausted).toBe(true);
  });

  it("refuses a pre-charge larger than what is left at once, even 2^62 with an unlimited budget", () => {
    const account = new GasAccount(Number.MAX_SAFE_INTEGER, new Float64Array(1));
    expect(account.refill(-(2n ** 62n))).toBe(-(2n ** 62n));
    expect(account.exhausted).toBe(true);
    expect(account.used(-(2n ** 62n))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("grants as many whole chunks as a deep counter needs, in one call", () => {
    const account = new GasAccount(1_000_000_000, new Float64Array(1));
    // Chunks are 1 % of the budget capped at 4 Mi: 4,194,304; 10,000,000 needs three.
    expect(account.refill(-10_000_000n)).toBe(3n * 4_194_304n - 10_000_000n);
    expect(account.used(0n)).toBe(3 * 4_194_304);
  });
});
