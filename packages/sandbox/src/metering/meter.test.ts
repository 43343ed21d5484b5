import { describe, expect, it } from "vitest";
import { loadPrograms } from "../../../../benchmarks/metering/programs.mjs";
import { callMetered, callOnce } from "../../test/run-metered.js";
import { wat } from "../../test/wat.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { CostModel } from "./cost-model.js";
import { MemoryLimitError } from "./memory-limit-error.js";
import { meter } from "./meter.js";

const programs = await loadPrograms();

describe("meter: same results as the original", () => {
  for (const program of programs) {
    it(`${program.name}: identical result, gas identical over 10 runs`, async () => {
      const bytes = program.bytes as Uint8Array<ArrayBuffer>;
      const plain = await callOnce(bytes, "main", [program.testInput]);
      const runs = await Promise.all(
        Array.from({ length: 10 }, () => callMetered(bytes, "main", [program.testInput])),
      );
      for (const run of runs) expect(run.outcome).toEqual(plain.outcome);
      const gas = new Set(runs.map((run) => run.gasUsed));
      expect(gas.size).toBe(1);
      expect([...gas][0]).toBeGreaterThan(1000n);
    });
  }
});

describe("meter: charging", () => {
  const counting = wat(`(module
    (func (export "main") (param $n i32) (result i32) (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (local.get $n)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum)))`);

  it("gas grows linearly with a loop's trip count", async () => {
    const gas = await Promise.all(
      [0, 10, 20, 1000].map(
        async (trips) => (await callMetered(counting, "main", [trips])).gasUsed,
      ),
    );
    const [zero, ten, twenty, thousand] = gas as [bigint, bigint, bigint, bigint];
    const perTrip = (ten - zero) / 10n;
    expect(perTrip).toBeGreaterThan(0n);
    expect(twenty - ten).toBe(ten - zero);
    expect(thousand).toBe(zero + perTrip * 1000n);
  });

  it("charges one unit per instruction, leaf functions at their direct call sites", async () => {
    const module = wat(`(module
      (type $answer (func (result i32)))
      (table 1 funcref)
      (elem (i32.const 0) $reachedByTable)
      (func $reachedByTable (result i32) (i32.add (i32.const 1) (i32.const 2)))
      (func $leaf (result i32) (i32.add (i32.const 1) (i32.const 2)))
      (func (export "indirect") (result i32) (call_indirect (type $answer) (i32.const 0)))
      (func (export "direct") (result i32) (call $leaf))
      (func (export "tail") (result i32) (return_call $leaf))
      (func (export "exported") (result i32) (i32.add (i32.const 1) (i32.const 2))))`);
    // indirect: i32.const + call_indirect, then the callee's 3; direct: call + the leaf's 3.
    expect((await callMetered(module, "indirect", [])).gasUsed).toBe(5n);
    expect((await callMetered(module, "direct", [])).gasUsed).toBe(4n);
    expect((await callMetered(module, "tail", [])).gasUsed).toBe(4n);
    expect((await callMetered(module, "exported", [])).gasUsed).toBe(3n);
  });

  it("an infinite loop runs out of gas", async () => {
    const spin = wat(`(module (func (export "main") (loop $forever (br $forever))))`);
    const run = await callMetered(spin, "main", [], 1_000_000n);
    expect(run.outcome).toEqual({ trap: "unreachable" });
    expect(run.exhausted).toBe(true);
  });

  it("recursion without any loop cannot escape the budget (call and return_call)", async () => {
    const recursive = wat(`(module
      (func $deep (export "deep") (param i32) (result i32)
        (call $deep (i32.add (local.get 0) (i32.const 1))))
      (func $tail (export "tail") (param i32) (result i32)
        (return_call $tail (i32.add (local.get 0) (i32.const 1)))))`);
    const deep = await callMetered(recursive, "deep", [0], 500n);
    const tail = await callMetered(recursive, "tail", [0], 100_000n);
    expect(deep).toMatchObject({ outcome: { trap: "unreachable" }, exhausted: true });
    expect(tail).toMatchObject({ outcome: { trap: "unreachable" }, exhausted: true });
  });

  it("charges bulk memory by size and memory.grow by pages", async () => {
    const bulk = wat(`(module (memory 1 100)
      (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
    const small = await callMetered(bulk, "fill", [64]);
    const large = await callMetered(bulk, "fill", [65536]);
    const perUnit = CostModel.bytesPerUnit;
    expect(large.gasUsed - small.gasUsed).toBe(BigInt(65536 / perUnit - 64 / perUnit));
    const tables = wat(`(module (table $refs 0 externref)
      (func (export "grow") (param i32) (result i32) (table.grow $refs (ref.null extern) (local.get 0))))`);
    const tableOne = await callMetered(tables, "grow", [1]);
    const tableTen = await callMetered(tables, "grow", [10]);
    expect(tableTen.gasUsed - tableOne.gasUsed).toBe(9n * BigInt(CostModel.perElement));
    const one = await callMetered(bulk, "grow", [1]);
    const three = await callMetered(bulk, "grow", [3]);
    expect(three.gasUsed - one.gasUsed).toBe(2n * BigInt(CostModel.perPage));
  });
});

describe("meter: limits and structure", () => {
  it("caps memory growth at maxMemoryPages (memory.grow answers -1)", async () => {
    const growing = wat(`(module (memory (export "memory") 1)
      (func (export "main") (result i32) (local $pages i32)
        (block $full (loop $grow
          (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
          (local.set $pages (i32.add (local.get $pages) (i32.const 1)))
          (br $grow)))
        (memory.size)))`);
    const metered = meter(growing, { maxMemoryPages: 16 });
    const { outcome } = await callOnce(metered.bytes, "main", []);
    expect(outcome).toEqual({ value: 16 });
  });

  it("refuses a module whose initial memory is above the limit", () => {
    const big = wat(`(module (memory 32))`);
    expect(() => meter(big, { maxMemoryPages: 16 })).toThrow(MemoryLimitError);
  });

  it("keeps every import and export and adds the counter export", () => {
    const module = wat(`(module
      (import "env" "log" (func $log (param i32)))
      (import "env" "memory" (memory 1))
      (global (export "answer") i32 (i32.const 42))
      (func (export "main") (call $log (i32.const 1))))`);
    const metered = meter(module, { refillImport: { module: "gas", name: "refill" } });
    const before = WebAssembly.Module.imports(new WebAssembly.Module(module));
    const after = new WebAssembly.Module(metered.bytes);
    expect(WebAssembly.Module.imports(after)).toEqual([
      ...before,
      { module: "gas", name: "refill", kind: "function" },
    ]);
    expect(WebAssembly.Module.exports(after).map((entry) => entry.name)).toEqual([
      "answer",
      "main",
      metered.gasExportName,
    ]);
  });

  it("renumbers functions everywhere when a refill import shifts them (calls, tables, ref.func, start, names)", async () => {
    const module = wat(
      `(module
        (import "env" "double" (func $double (param i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) $seven $eight)
        (elem declare func $seven)
        (global $init (mut i32) (i32.const 0))
        (type $answer (func (result i32)))
        (func $seven (result i32) (i32.const 7))
        (func $eight (result i32) (i32.const 8))
        (func $setup (global.set $init (i32.const 1)))
        (start $setup)
        (func (export "main") (param i32) (result i32)
          (i32.add
            (call $double (call_indirect (type $answer) (local.get 0)))
            (i32.add (global.get $init) (ref.is_null (ref.func $seven))))))`,
      { names: true },
    );
    let granted = 0n;
    const refill = (counter: bigint) => {
      granted += 1_000_000n;
      return counter + 1_000_000n;
    };
    const metered = meter(module, { refillImport: { module: "gas", name: "refill" } });
    const imports = { env: { double: (value: number) => value * 2 }, gas: { refill } };
    const plain = await callOnce(module, "main", [1], imports);
    const instrumented = await callOnce(metered.bytes, "main", [1], imports);
    expect(plain.outcome).toEqual({ value: 17 });
    expect(instrumented.outcome).toEqual(plain.outcome);
    expect(granted).toBeGreaterThan(0n);
  });

  it("accepts every feature Node 20 enables by default and keeps results", async () => {
    const module = wat(`(module
      (memory 1 1 shared)
      (tag $oops (param i32))
      (table $refs 1 externref)
      (func $pair (result i32 i64) (i32.const 1) (i64.const 2))
      (func (export "main") (param $x i32) (result i32) (local $v v128)
        (local.set $v (i32x4.splat (local.get $x)))
        (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
        (local.set $v (i32x4.replace_lane 1 (local.get $v) (i32.const 5)))
        (v128.store (i32.const 16) (local.get $v))
        (local.set $v (v128.load32_lane 2 (i32.const 16) (local.get $v)))
        (drop (v128.const i64x2 1 2))
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 3)))
        (atomic.fence)
        (memory.fill (i32.const 100) (i32.const 9) (i32.const 10))
        (memory.copy (i32.const 200) (i32.const 100) (i32.const 10))
        (drop (table.grow $refs (ref.null extern) (i32.const 1)))
        (drop (i32.trunc_sat_f32_s (f32.const 1e20)))
        (drop (i32.extend8_s (i32.const 255)))
        (call $pair) drop drop
        (try (result i32)
          (do (throw $oops (i32.const 40)))
          (catch $oops
            (i32x4.extract_lane 1 (local.get $v)) i32.add
            (i32.atomic.load (i32.const 0)) i32.add
            (i32.load8_u (i32.const 209)) i32.add
            (table.size $refs) i32.add))))`);
    const plain = await callOnce(module, "main", [3]);
    const metered = await callMetered(module, "main", [3]);
    expect(plain.outcome).toEqual({ value: 40 + 5 + 3 + 9 + 2 });
    expect(metered.outcome).toEqual(plain.outcome);
  });

  it("rejects opcodes it does not know with InvalidModuleError, never passing them through", () => {
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const withBody = (body: number[]) =>
      new Uint8Array([
        ...header,
        ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00], // type () -> ()
        ...[0x03, 0x02, 0x01, 0x00], // one function
        ...[0x0a, body.length + 3, 0x01, body.length + 1, 0x00, ...body], // code
      ]);
    expect(() => meter(withBody([0x0b]))).not.toThrow();
    expect(() => meter(withBody([0xfd, 0x80, 0x02, 0x0b]))).toThrow(InvalidModuleError); // relaxed SIMD
    expect(() => meter(withBody([0x1f, 0x40, 0x00, 0x0b, 0x0b]))).toThrow(InvalidModuleError); // try_table
    expect(() => meter(withBody([0xfb, 0x00, 0x0b]))).toThrow(InvalidModuleError); // GC
    expect(() => meter(withBody([0x27, 0x0b]))).toThrow(/not a valid WebAssembly module/);
    expect(() => meter(new Uint8Array([1, 2, 3]))).toThrow(InvalidModuleError);
  });
});
