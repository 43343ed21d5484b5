import { describe, expect, it } from "vitest";
import { wat } from "../../test/wat.js";
import { readModuleFootprint } from "./module-footprint.js";

describe("readModuleFootprint", () => {
  it("adds up the initial pages and elements a module defines", () => {
    const bytes = wat(`(module (memory 3) (table 10 funcref) (table 7 externref))`);
    expect(readModuleFootprint(bytes)).toEqual({
      memoryPages: 3,
      tableElements: 17,
      stateless: false,
    });
  });

  it("calls stateless only a module without memory, table, start, imported state or second mutable global", () => {
    const of = (body: string) => readModuleFootprint(wat(`(module ${body})`))?.stateless;
    expect(of(`(global (mut i64) (i64.const 0)) (global i32 (i32.const 1)) (func)`)).toBe(true);
    expect(of(`(import "m" "f" (func)) (global f64 (f64.const 1.5))`)).toBe(true);
    expect(of(`(global (mut i64) (i64.const 0)) (global (mut i32) (i32.const 0))`)).toBe(false);
    expect(of(`(memory 0)`)).toBe(false);
    expect(of(`(table 0 funcref)`)).toBe(false);
    expect(of(`(func $s) (start $s)`)).toBe(false);
    expect(of(`(import "m" "g" (global (mut i32)))`)).toBe(false);
    expect(of(`(import "m" "t" (memory 1))`)).toBe(false);
  });

  it("answers undefined for bytes it cannot read", () => {
    expect(readModuleFootprint(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 1]))).toBe(
      undefined,
    );
  });
});
