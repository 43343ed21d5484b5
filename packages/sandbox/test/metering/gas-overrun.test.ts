import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createSandboxExecutor } from "../../src/create-sandbox-executor.js";
import { MAX_GAS_OVERRUN, meter } from "../../src/metering/meter.js";
import { taskFor } from "../example-modules.js";
import { callOnce } from "../run-metered.js";
import { wat } from "../wat.js";

/** A leaf `(param i32) (result i32)` of about `size` instructions that counts its calls. */
function leaf(name: string, size: number): string {
  // About `size` gas: 5 to count the call, 4 per step.
  const steps = Math.max(1, Math.floor(size / 4));
  return `(func ${name} (param i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.get 0)
    ${"(i32.const 0x9e3779b1) (i32.mul) (i32.const 13) (i32.rotl) ".repeat(steps)})`;
}

/** `block end` then `calls` chained calls of a leaf of `size` instructions: one straight block. */
function straightLineModule(calls: number, size: number): Uint8Array<ArrayBuffer> {
  return wat(`(module
    (global $calls (export "calls") (mut i32) (i32.const 0))
    ${leaf("$leaf", size)}
    (func (export "main") (param i32) (result i32)
      (block) (local.get 0)
      ${"(call $leaf) ".repeat(calls)}))`);
}

describe("gas overrun bound", () => {
  it("stops a straight-line block of leaf calls within MAX_GAS_OVERRUN of the budget", async () => {
    const size = 900; // a leaf (at most MAX_LEAF_COST): charged at its call sites
    const module = straightLineModule(20_000, size);
    const budget = 1_000_000n;
    const metered = meter(module, { initialGas: budget });
    const { outcome, instance } = await callOnce(metered.bytes, "main", [7]);
    expect(outcome).toEqual({ trap: "unreachable" });
    const calls = (instance.exports.calls as WebAssembly.Global).value as number;
    // Each call charges at least `size` gas; what ran may exceed the budget by the bound only.
    expect(calls * size).toBeLessThanOrEqual(Number(budget) + MAX_GAS_OVERRUN);
    expect(calls * size).toBeGreaterThan(Number(budget) - 2 * size - MAX_GAS_OVERRUN);
  });

  it("MAX_GAS_OVERRUN is at most 10,000 gas", () => {
    expect(MAX_GAS_OVERRUN).toBeLessThanOrEqual(10_000);
  });
});

describe("gas overrun bound through the sandbox", () => {
  const executor = createSandboxExecutor({ workers: 1 });
  afterAll(() => executor.close());

  it("a module of 200,000 calls to a 200,000-instruction loop-free function after an `end` stops on gas (max_gas 1e7), not on time", async () => {
    // 4e10 gas in one straight block: run unbounded, it takes seconds, past max_time.
    const module = straightLineModule(200_000, 200_000);
    const result = await executor.execute(
      taskFor(module, [3], { policy: { max_gas: 1e7, max_time: 4000 } }),
    );
    expect(result).toMatchObject({
      success: false,
      error: { code: "gas_exhausted" },
      gasUsed: 1e7,
    });
  });
});

// Generated programs: leaves of up to 4,000 instructions, runs of leaf calls, probes (a host
// import that reads the counter), blocks left by br_if, if/else, bounded loops and calls to
// earlier functions with work after them, exceptions thrown and caught, tail calls to leaves.
type Random = () => number;

function generateProgram(random: Random): string {
  const pick = (count: number) => Math.floor(random() * count);
  const leafCount = 1 + pick(3);
  const leaves = Array.from({ length: leafCount }, (_, index) =>
    leaf(`$leaf${index}`, 1 + pick(4000)),
  );
  const functionCount = 1 + pick(4);
  const functions: string[] = [];
  for (let index = 0; index < functionCount; index++) {
    let loops = 0;
    const statements = (depth: number): string => {
      const count = 1 + pick(depth === 0 ? 8 : 4);
      let code = "";
      for (let statement = 0; statement < count; statement++) {
        const choice = pick(depth >= 3 ? 4 : 9);
        const target = `$leaf${pick(leafCount)}`;
        switch (choice) {
          case 0:
            code += "(call $probe)";
            break;
          case 1:
            code += `(local.set $x (call ${target} (local.get $x)))`;
            break;
          case 2: {
            const run = 1 + pick(30);
            code += `(local.set $x ${`(call ${target} `.repeat(run)}(local.get $x)${")".repeat(run)})`;
            break;
          }
          case 3: {
            const run = 1 + pick(200);
            code += `(local.set $x (i32.add (local.get $x) ${"(i32.xor (i32.const 7) ".repeat(run)}(i32.const 1)${")".repeat(run)}))`;
            break;
          }
          case 4:
            code += `(block $out${depth} ${statements(depth + 1)} (br_if $out${depth} (i32.and (local.get $x) (i32.const 1))) ${statements(depth + 1)})`;
            break;
          case 5:
            code += `(if (i32.and (local.get $x) (i32.const 2)) (then ${statements(depth + 1)}) (else ${statements(depth + 1)}))`;
            break;
          case 6: {
            const counter = `$i${loops++}`;
            code += `(local.set ${counter} (i32.const ${pick(5)}))
              (block $done${counter} (loop $next${counter}
                (br_if $done${counter} (i32.eqz (local.get ${counter})))
                ${statements(depth + 1)}
                (local.set ${counter} (i32.sub (local.get ${counter}) (i32.const 1)))
                (br $next${counter})))`;
            break;
          }
          case 7:
            code += `(try (do ${statements(depth + 1)} (if (i32.and (local.get $x) (i32.const 4)) (then (throw $oops)))) (catch $oops ${statements(depth + 1)}))`;
            break;
          default:
            code +=
              index > 0
                ? `(local.set $x (i32.add (call $f${pick(index)} (local.get $x)) (i32.const 1)))`
                : "(call $probe)";
        }
      }
      return code;
    };
    const body = statements(0);
    const locals = Array.from({ length: loops }, (_, loop) => `(local $i${loop} i32)`).join(" ");
    // Some functions end with a tail call to a leaf, charged in their own last block.
    const tail =
      pick(2) === 0 ? `(return_call $leaf${pick(leafCount)} (local.get $x))` : "(local.get $x)";
    functions.push(
      `(func $f${index} (param $x i32) (result i32) ${locals} ${body} (call $probe) ${tail})`,
    );
  }
  return `(module
    (import "env" "probe" (func $probe))
    (global $calls (mut i32) (i32.const 0))
    (tag $oops)
    ${leaves.join("\n")}
    ${functions.join("\n")}
    (func (export "main") (param i32) (result i32) (call $f${functionCount - 1} (local.get 0))))`;
}

/** Runs metered with `budget`; returns the outcome and the lowest counter any probe saw. */
async function runWithProbes(bytes: Uint8Array<ArrayBuffer>, budget: bigint, input: number) {
  const metered = meter(bytes, { initialGas: budget });
  let lowest = budget;
  let gas: WebAssembly.Global | undefined;
  const probe = () => {
    const value = gas?.value as bigint;
    if (value < lowest) lowest = value;
  };
  const { instance } = await WebAssembly.instantiate(metered.bytes, { env: { probe } });
  gas = instance.exports[metered.gasExportName] as WebAssembly.Global;
  let outcome: unknown;
  try {
    outcome = { value: (instance.exports.main as (value: number) => number)(input) };
  } catch (error) {
    outcome = { trap: (error as Error).message };
  }
  return { outcome, lowest, counter: gas.value as bigint };
}

describe("gas overrun bound: property", () => {
  it("on generated programs, no probe sees more than MAX_GAS_OVERRUN / 2 spent past the budget, nor a check more than MAX_GAS_OVERRUN", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        async (seed, input, fractions) => {
          let state = seed;
          const random = () => {
            state = (state * 48271) % 2147483647;
            return state / 2147483647;
          };
          const bytes = wat(generateProgram(random));
          const plain = await callOnce(bytes, "main", [input], { env: { probe: () => {} } });
          const full = await runWithProbes(bytes, 2n ** 62n, input);
          expect(full.outcome).toEqual(plain.outcome);
          const total = 2n ** 62n - full.counter;
          for (const fraction of fractions) {
            const budget = BigInt(Math.floor(Number(total) * fraction));
            if (budget >= total) continue;
            const short = await runWithProbes(bytes, budget, input);
            // Stopped, or finished having spent more than the budget (by at most the bound).
            if ("value" in (short.outcome as object)) {
              expect(short.outcome).toEqual(plain.outcome);
              expect(short.counter).toBeLessThan(0n);
              expect(-short.counter).toBeLessThanOrEqual(BigInt(MAX_GAS_OVERRUN / 2));
            } else {
              // Stopped by a check: charged past the budget, the refused charge included.
              expect(short.outcome).toEqual({ trap: "unreachable" });
              expect(-short.counter).toBeLessThanOrEqual(BigInt(MAX_GAS_OVERRUN));
            }
            // Work that ran past the budget: at most half the bound (the other half is the
            // refused charge in advance, which never runs).
            expect(-short.lowest).toBeLessThanOrEqual(BigInt(MAX_GAS_OVERRUN / 2));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
