import { describe, expect, it } from "vitest";
import { callMetered } from "../../test/run-metered.js";
import { wat } from "../../test/wat.js";
import { CostModel } from "./cost-model.js";
import { meter } from "./meter.js";

// The counter lives in a local and reaches the gas global only where something can observe it.
// Each module runs a loop of pure arithmetic (whose charges never store) and then one
// instruction that traps when $x is 0 and not when $x is 1, followed by an empty loop, so that
// the function's exit (which stores) is charged in a block of its own. Both variants are charged
// the same up to the trap, and the returning one pays one more instruction after the loop
// (\`local.get $acc\`): the gas after the trap must be the returning run's less that. A trapping
// instruction the rewriter did not store before bills far less (nothing of the loop).
// (`unreachable` is covered by test/metering/gas-after-trap.test.ts.)
const LOOP = `
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))`;

/** The trapping instruction, given `(local.get $x)` (0 traps, 1 does not), leaving nothing. */
const TRAPS: Record<string, string> = {
  "i32.div_u by zero": "(drop (i32.div_u (i32.const 7) (local.get $x)))",
  "i64.rem_s by zero": "(drop (i64.rem_s (i64.const 7) (i64.extend_i32_u (local.get $x))))",
  "i32.trunc_f64_s of NaN": `(drop (i32.trunc_f64_s (f64.div (f64.convert_i32_u (local.get $x))
      (f64.convert_i32_u (local.get $x)))))`,
  "i64.trunc_f32_u of NaN": `(drop (i64.trunc_f32_u (f32.div (f32.convert_i32_u (local.get $x))
      (f32.convert_i32_u (local.get $x)))))`,
  "i32.load out of bounds":
    "(drop (i32.load (i32.mul (i32.eqz (local.get $x)) (i32.const 70000))))",
  "i64.store out of bounds":
    "(i64.store (i32.mul (i32.eqz (local.get $x)) (i32.const 70000)) (i64.const 1))",
  "v128.load out of bounds":
    "(drop (v128.load (i32.mul (i32.eqz (local.get $x)) (i32.const 70000))))",
  "i32.atomic.load out of bounds":
    "(drop (i32.atomic.load (i32.mul (i32.eqz (local.get $x)) (i32.const 70000))))",
  "memory.fill out of bounds":
    "(memory.fill (i32.mul (i32.eqz (local.get $x)) (i32.const 70000)) (i32.const 0) (i32.const 8))",
  "table.get out of bounds":
    "(drop (table.get $t (i32.mul (i32.eqz (local.get $x)) (i32.const 5))))",
  "call_indirect of a null slot": "(call_indirect $t (type $void) (local.get $x))",
  "a callee's trap": "(call $maybe (local.get $x))",
};

function trapModule(instruction: string): Uint8Array<ArrayBuffer> {
  return wat(`(module
    (type $void (func))
    (memory 1)
    (table $t 2 funcref)
    (elem (i32.const 1) func $nothing)
    (func $nothing)
    (func $maybe (param $x i32) (drop (i32.div_u (i32.const 1) (local.get $x))))
    (func (export "main") (param $n i32) (param $x i32) (result i32) (local $acc i32)
      ${LOOP}
      ${instruction}
      (loop $after)
      (local.get $acc)))`);
}

/** Runs main with the sandbox's refill import handing out `chunk` gas: gas spent and outcome. */
async function callRefilled(
  bytes: Uint8Array<ArrayBuffer>,
  args: unknown[],
  chunk: bigint,
): Promise<{ gasUsed: bigint; trapped: boolean }> {
  const metered = meter(bytes, { refillImport: { module: "gas", name: "refill" } });
  let granted = 0n;
  const { instance } = await WebAssembly.instantiate(metered.bytes, {
    gas: {
      refill: (counter: bigint) => {
        granted += chunk;
        return counter + chunk;
      },
    },
  });
  let trapped = false;
  try {
    (instance.exports.main as (...values: unknown[]) => unknown)(...args);
  } catch {
    trapped = true;
  }
  const counter = (instance.exports[metered.gasExportName] as WebAssembly.Global).value as bigint;
  return { gasUsed: granted - counter, trapped };
}

describe("gas after a trap at every kind of trapping instruction", () => {
  for (const [name, instruction] of Object.entries(TRAPS)) {
    it(`${name}: equals the returning run's gas, in trap mode and with small refills`, async () => {
      const bytes = trapModule(instruction);
      const returning = await callMetered(bytes, "main", [5_000, 1]);
      expect(returning.outcome).toEqual({ value: ((5_000 * 5_001 * (2 * 5_000 + 1)) / 6) | 0 });
      const trapping = await callMetered(bytes, "main", [5_000, 0]);
      expect(trapping.outcome).toHaveProperty("trap");
      const expected = returning.gasUsed - BigInt(CostModel.instruction);
      expect(trapping.gasUsed).toBe(expected);
      expect(returning.gasUsed).toBeGreaterThan(5_000n * 10n);
      for (const chunk of [1_000n, 4_194_304n]) {
        const refilled = await callRefilled(bytes, [5_000, 0], chunk);
        expect(refilled).toEqual({ gasUsed: expected, trapped: true });
      }
    });
  }
});
