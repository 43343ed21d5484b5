import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./invalid-input-error.js";
import { fromWasmResult, toWasmArgument } from "./numeric-values.js";

describe("numeric ABI values", () => {
  it("takes i32 in [-2^31, 2^32) and rejects the rest", () => {
    expect(toWasmArgument(-(2 ** 31), "i32", 0)).toBe(-(2 ** 31));
    expect(toWasmArgument(2 ** 32 - 1, "i32", 0)).toBe(2 ** 32 - 1);
    expect(() => toWasmArgument(2 ** 32, "i32", 0)).toThrow(InvalidInputError);
    expect(() => toWasmArgument(1.5, "i32", 1)).toThrow("inputs[1] (i32) must be an integer");
    expect(() => toWasmArgument("1", "i32", 0)).toThrow(InvalidInputError);
  });

  it("takes i64 as safe integers or decimal strings, wrapping unsigned values", () => {
    expect(toWasmArgument(42, "i64", 0)).toBe(42n);
    expect(toWasmArgument("18446744073709551615", "i64", 0)).toBe(-1n);
    expect(toWasmArgument("-9223372036854775808", "i64", 0)).toBe(-(2n ** 63n));
    expect(() => toWasmArgument(2 ** 60, "i64", 0)).toThrow(InvalidInputError);
    expect(() => toWasmArgument("18446744073709551616", "i64", 0)).toThrow("out of range");
    expect(() => toWasmArgument("1e3", "i64", 0)).toThrow(InvalidInputError);
  });

  it("rejects parameters JSON cannot carry", () => {
    expect(() => toWasmArgument(1, "v128", 0)).toThrow(InvalidInputError);
    expect(() => toWasmArgument(null, "externref", 0)).toThrow(InvalidInputError);
  });

  it("returns i64 as a number when safe and a string otherwise; non-finite floats as strings", () => {
    expect(fromWasmResult(5n, "i64")).toBe(5);
    expect(fromWasmResult(2n ** 60n, "i64")).toBe("1152921504606846976");
    expect(fromWasmResult(Number.NaN, "f64")).toBe("NaN");
    expect(fromWasmResult(Number.NEGATIVE_INFINITY, "f32")).toBe("-Infinity");
    expect(fromWasmResult(0.25, "f64")).toBe(0.25);
  });
});
