import { describe, expect, it } from "vitest";
import { callMetered, callOnce } from "../../test/run-metered.js";
import { wat } from "../../test/wat.js";
import { CostModel } from "./cost-model.js";
import { meter } from "./meter.js";

describe("cost model: gas proportional to work", () => {
  it("charges throw and rethrow CostModel.throw each, and entering a handler CostModel.handler", async () => {
    const module = wat(`(module (tag $oops)
      (func (export "caught") (try (do (throw $oops)) (catch $oops)))
      (func (export "rethrown") (try (do (try (do (throw $oops)) (catch $oops (rethrow 0)))) (catch $oops)))
      (func (export "nothing") (try (do (nop)) (catch $oops))))`);
    const nothing = (await callMetered(module, "nothing", [])).gasUsed;
    const caught = (await callMetered(module, "caught", [])).gasUsed;
    const rethrown = (await callMetered(module, "rethrown", [])).gasUsed;
    expect(caught - nothing).toBe(
      BigInt(CostModel.throw + CostModel.handler - CostModel.instruction),
    );
    expect(rethrown - caught).toBe(BigInt(CostModel.throw + CostModel.handler));
  });

  it("charges an exception a host function throws when a handler catches it", async () => {
    const module = wat(`(module (import "env" "fail" (func $fail))
      (func (export "main") (try (do (call $fail)) (catch_all))))`);
    const metered = meter(module, { initialGas: 1_000_000n });
    const { outcome, instance } = await callOnce(metered.bytes, "main", [], {
      env: {
        fail: () => {
          throw new Error("from the host");
        },
      },
    });
    expect(outcome).toEqual({ value: undefined });
    const counter = (instance.exports[metered.gasExportName] as WebAssembly.Global).value;
    expect(1_000_000n - (counter as bigint)).toBe(BigInt(CostModel.call + CostModel.handler));
  });

  it("checks the counter right after a host call, which may have charged gas itself", async () => {
    const module = wat(`(module (import "env" "charge" (func $charge))
      (global $after (export "after") (mut i32) (i32.const 0))
      (func (export "main") (call $charge) (global.set $after (i32.const 1))))`);
    const metered = meter(module, { initialGas: 1_000n });
    let gas: WebAssembly.Global | undefined;
    const charge = () => {
      if (gas) gas.value = (gas.value as bigint) - 1_000_000n;
    };
    const { instance } = await WebAssembly.instantiate(metered.bytes, { env: { charge } });
    gas = instance.exports[metered.gasExportName] as WebAssembly.Global;
    expect(() => (instance.exports.main as () => void)()).toThrow("unreachable");
    expect((instance.exports.after as WebAssembly.Global).value).toBe(0);
  });

  it("charges integer division and float division or square root more than an add", async () => {
    const module = wat(`(module
      (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
      (func (export "div") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
      (func (export "sqrt") (param f64) (result f64) (f64.sqrt (local.get 0))))`);
    const add = (await callMetered(module, "add", [7n, 2n])).gasUsed;
    const div = (await callMetered(module, "div", [7n, 2n])).gasUsed;
    const sqrt = (await callMetered(module, "sqrt", [2])).gasUsed;
    expect(div - add).toBe(BigInt(CostModel.division - CostModel.instruction));
    expect(sqrt).toBe(BigInt(CostModel.instruction + CostModel.floatDivision));
  });

  // The expected value (1) differs from memory (0): the wait answers at once, charged all the same.
  const waiting = wat(`(module (memory 1 1 shared)
    (func (export "wait32") (param i64) (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 1) (local.get 0)))
    (func (export "wait64") (param i64) (result i32)
      (memory.atomic.wait64 (i32.const 0) (i64.const 1) (local.get 0))))`);

  it("charges memory.atomic.wait by its timeout", async () => {
    for (const entry of ["wait32", "wait64"]) {
      const zero = await callMetered(waiting, entry, [0n]);
      const micro = await callMetered(waiting, entry, [1000n]);
      const milli = await callMetered(waiting, entry, [1_000_000n]);
      expect(zero.outcome).toEqual({ value: 1 }); // "not-equal"
      expect(zero.gasUsed).toBeGreaterThanOrEqual(BigInt(CostModel.atomicWait));
      const perNanosecond = BigInt(CostModel.waitGasPerNanosecond);
      const overhead = BigInt(CostModel.waitOverheadNanoseconds);
      expect(micro.gasUsed - zero.gasUsed).toBe((1000n + overhead) * perNanosecond);
      expect(milli.gasUsed - micro.gasUsed).toBe(999_000n * perNanosecond);
    }
  });

  it("charges an infinite (negative) or huge timeout more than any budget", async () => {
    const budget = 2n ** 61n;
    for (const timeout of [-1n, 2n ** 62n, 2n ** 63n - 1n]) {
      const run = await callMetered(waiting, "wait32", [timeout], budget);
      expect(run).toMatchObject({ outcome: { trap: "unreachable" }, exhausted: true });
    }
  });
});
