import { describe, expect, it } from "vitest";
import { wat } from "../../test/wat.js";
import { capTables, limitMemory, TABLE_ELEMENT_BYTES } from "./limit-memory.js";
import { MemoryLimitError } from "./memory-limit-error.js";
import { TableLimitError } from "./table-limit-error.js";

const limits = (minimum: number, maximum?: number) => ({ minimum, maximum, shared: false });

describe("capTables", () => {
  it("keeps initial sizes and shares the spare budget; the maxima sum to at most the budget", () => {
    const capped = capTables([limits(0, 10), limits(0), limits(5)], 100);
    expect(capped.map((table) => table.maximum)).toEqual([10, 42, 48]);
    expect(capped.map((table) => table.minimum)).toEqual([0, 0, 5]);
  });

  it("never raises a declared maximum", () => {
    expect(capTables([limits(3, 4)], 1000)).toEqual([limits(3, 4)]);
  });

  it("throws TableLimitError when the initial sizes exceed the budget", () => {
    expect(() => capTables([limits(60), limits(41)], 100)).toThrow(TableLimitError);
    expect(() => capTables([limits(60), limits(40)], 100)).not.toThrow();
  });
});

describe("limitMemory", () => {
  it("lowers a defined table's maximum: table.grow beyond the budget answers -1", async () => {
    const module = wat(`(module (table 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`);
    const limited = limitMemory(module, 1, { maxTableElements: 10 });
    const { instance } = await WebAssembly.instantiate(limited);
    const grow = instance.exports.grow as (by: number) => number;
    expect(grow(10)).toBe(-1);
    expect(grow(9)).toBe(1);
    expect(grow(1)).toBe(-1);
  });

  it("caps an imported table too (the import then demands a maximum within the budget)", async () => {
    const module = wat(`(module (import "host" "table" (table 2 funcref)) (func (export "main")))`);
    const limited = limitMemory(module, 1, { maxTableElements: 100 });
    const link = (maximum?: number) =>
      WebAssembly.instantiate(limited, {
        host: { table: new WebAssembly.Table({ initial: 2, element: "anyfunc", maximum }) },
      });
    await expect(link(100)).resolves.toBeDefined();
    await expect(link(101)).rejects.toThrow(WebAssembly.LinkError);
    await expect(link()).rejects.toThrow(WebAssembly.LinkError);
    expect(() => limitMemory(module, 1, { maxTableElements: 1 })).toThrow(TableLimitError);
  });

  it("counts imported and defined tables together", () => {
    const module = wat(`(module (import "host" "table" (table 6 funcref)) (table 5 externref))`);
    expect(() => limitMemory(module, 1, { maxTableElements: 10 })).toThrow(TableLimitError);
    expect(WebAssembly.validate(limitMemory(module, 1, { maxTableElements: 11 }))).toBe(true);
  });

  it("names elements and bytes in the refusal", () => {
    const module = wat(`(module (table 1000 externref))`);
    expect(() => limitMemory(module, 1, { maxTableElements: 999 })).toThrow(
      `${1000 * TABLE_ELEMENT_BYTES} bytes`,
    );
  });

  it("leaves tables alone without a table budget, and still caps memory", () => {
    const module = wat(`(module (table 1000000 externref) (memory 2))`);
    expect(WebAssembly.validate(limitMemory(module, 2))).toBe(true);
    expect(() => limitMemory(module, 1)).toThrow(MemoryLimitError);
  });
});
