import { describe, expect, it } from "vitest";
import { wat } from "../../test/wat.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { EngineLimits } from "./engine-limits.js";
import { meter } from "./meter.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function leb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest) byte |= 0x80;
    bytes.push(byte);
  } while (rest);
  return bytes;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

/** `(func (export "main"))` whose body is `code` (without locals and final end). */
function moduleWithCode(code: number[], locals: number[] = [0x00]): Uint8Array<ArrayBuffer> {
  const body = [...locals, ...code, 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(1, [0x01, 0x60, 0x00, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x04, ...[0x6d, 0x61, 0x69, 0x6e], 0x00, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

const I64_MAX = [0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];

describe("meter: invalid input is refused before any rewriting", () => {
  it("refuses `local.set <n_locals>` of an i64 (the index the gas local would take)", () => {
    const setsGasLocal = moduleWithCode([...I64_MAX, 0x21, 0x00]);
    expect(WebAssembly.validate(setsGasLocal)).toBe(false);
    expect(() => meter(setsGasLocal)).toThrow(InvalidModuleError);
    expect(() => meter(setsGasLocal, { refillImport: { module: "gas", name: "refill" } })).toThrow(
      /not a valid WebAssembly module/,
    );
  });

  it("refuses `global.set <n_globals>` of an i64 (the index the gas global would take)", () => {
    const setsGasGlobal = moduleWithCode([...I64_MAX, 0x24, 0x00]);
    expect(WebAssembly.validate(setsGasGlobal)).toBe(false);
    expect(() => meter(setsGasGlobal)).toThrow(InvalidModuleError);
  });

  it("no byte mutant of a valid module that V8 refuses is accepted by meter", () => {
    const original = wat(`(module (memory 1)
      (global $g (mut i32) (i32.const 0))
      (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "main") (param $n i32) (result i32) (local $i i64)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (global.set $g (call $leaf (global.get $g)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (i32.store (i32.const 8) (global.get $g))
        (global.get $g)))`);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let invalidMutants = 0;
    const accepted: number[] = [];
    for (let attempt = 0; attempt < 3000; attempt++) {
      const mutant = original.slice();
      const position = 8 + Math.floor(random() * (mutant.length - 8));
      mutant[position] = Math.floor(random() * 256);
      if (WebAssembly.validate(mutant)) continue;
      invalidMutants++;
      try {
        const output = meter(mutant).bytes;
        accepted.push(position);
        expect(WebAssembly.validate(output)).toBe(false);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidModuleError);
      }
    }
    expect(invalidMutants).toBeGreaterThan(1000);
    expect(accepted).toEqual([]);
  });
});

describe("meter: the refill import belongs to the sandbox", () => {
  it("refuses a module that imports from the refill import's module", () => {
    const importsRefill = wat(`(module
      (import "__relay_metering" "refill" (func $refill (param i64) (result i64)))
      (func (export "main") (drop (call $refill (i64.const 1000000000)))))`);
    const options = { refillImport: { module: "__relay_metering", name: "refill" } };
    expect(() => meter(importsRefill, options)).toThrow(InvalidModuleError);
    expect(() => meter(importsRefill, options)).toThrow(/__relay_metering/);
    const otherName = wat(`(module (import "__relay_metering" "other" (func)))`);
    expect(() => meter(otherName, options)).toThrow(InvalidModuleError);
  });
});

describe("meter: V8's limits", () => {
  it("refuses a function at V8's local limit (metering adds one local), naming the limit", () => {
    // One parameter and 49,999 locals: exactly V8's 50,000; metered it would need 50,001.
    const type = section(1, [0x01, 0x60, 0x01, 0x7f, 0x00]);
    const body = [0x01, ...leb(49_999), 0x7f, 0x0b];
    const full = new Uint8Array([
      ...HEADER,
      ...type,
      ...section(3, [0x01, 0x00]),
      ...section(10, [0x01, ...leb(body.length), ...body]),
    ]);
    expect(WebAssembly.validate(full)).toBe(true);
    expect(() => meter(full)).toThrow(InvalidModuleError);
    expect(() => meter(full)).toThrow(/50,000 locals/);
    const roomy = moduleWithCode([], [0x01, ...leb(49_998), 0x7f]);
    expect(WebAssembly.validate(meter(roomy).bytes)).toBe(true);
  });

  it("refuses a module at V8's export limit (metering adds one export), naming the limit", () => {
    const exportsAt = (count: number) => {
      const entries: number[] = [];
      for (let index = 0; index < count; index++) {
        const name = [...new TextEncoder().encode(`e${index}`)];
        entries.push(...leb(name.length), ...name, 0x00, 0x00);
      }
      return new Uint8Array([
        ...HEADER,
        ...section(1, [0x01, 0x60, 0x00, 0x00]),
        ...section(3, [0x01, 0x00]),
        ...section(7, [...leb(count), ...entries]),
        ...section(10, [0x01, 0x02, 0x00, 0x0b]),
      ]);
    };
    const full = exportsAt(EngineLimits.exports);
    expect(WebAssembly.validate(full)).toBe(true);
    expect(() => meter(full)).toThrow(InvalidModuleError);
    expect(() => meter(full)).toThrow(/100,000 exports/);
    expect(WebAssembly.validate(meter(exportsAt(EngineLimits.exports - 1)).bytes)).toBe(true);
  });

  it("refuses a function body that metering would grow past V8's 7,654,321 bytes", () => {
    // Loops of one instruction each: every loop head is charged and checked.
    const unit = [0x03, 0x40, 0x01, 0x0b]; // loop nop end
    const code: number[] = [];
    while (code.length < 1_200_000) code.push(...unit);
    const large = moduleWithCode(code);
    expect(WebAssembly.validate(large)).toBe(true);
    expect(() => meter(large)).toThrow(/7,654,321 bytes/);
  });
});
