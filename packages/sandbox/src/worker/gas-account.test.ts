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
});
