import { describe, expect, it } from "vitest";
import { StoreTimeoutError, withTimeBound } from "./time-bound.js";

describe("withTimeBound", () => {
  it("passes a result or an error through when it comes in time", async () => {
    await expect(withTimeBound(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withTimeBound(Promise.reject(new Error("boom")), 50)).rejects.toThrow("boom");
  });

  it("rejects with StoreTimeoutError once the bound has passed", async () => {
    const never = new Promise<never>(() => {});
    const started = performance.now();
    const error = await withTimeBound(never, 30).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as StoreTimeoutError).message).toBe("no answer within 30 ms");
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });
});
