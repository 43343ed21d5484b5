import { describe, expect, it } from "vitest";
import { taskFor } from "../test/example-modules.js";
import { runInChild } from "../test/run-in-child.js";
import { wat } from "../test/wat.js";
import { TABLE_ELEMENT_BYTES } from "./metering/limit-memory.js";

// Each case runs in a child process: before tables were bounded, these modules aborted the
// whole Node process ("Reached heap limit", SIGABRT), which would take the test runner along.

const TEN_MILLION = 10_000_000;

function tables(count: number, size: number, type = "externref"): string {
  return Array.from({ length: count }, () => `(table ${size} ${type})`).join(" ");
}

/** Grows each of `count` empty tables by `by` elements; returns how many grows answered -1. */
function growingModule(count: number, by: number, type = "externref"): Uint8Array {
  const nullValue = type === "funcref" ? "func" : "extern";
  const grows = Array.from(
    { length: count },
    (_, index) =>
      `(local.set 0 (i32.add (local.get 0) (i32.eq (i32.const -1) (table.grow ${index} (ref.null ${nullValue}) (i32.const ${by})))))`,
  ).join(" ");
  return wat(`(module ${tables(count, 0, type)}
    (func (export "main") (result i32) (local i32) ${grows} (local.get 0)))`);
}

describe("sandbox: tables count against max_memory", () => {
  it("answers memory_limit for the 89-byte module of eight 10M-element externref tables; the process lives", async () => {
    const module = wat(`(module ${tables(8, TEN_MILLION)} (func (export "main")))`);
    expect(module.length).toBeLessThan(100);
    const run = await runInChild([taskFor(module, [], { policy: { max_memory: 256 * 1048576 } })]);
    expect(run.stderr).not.toMatch(/heap limit/i);
    expect(run).toMatchObject({ exitCode: 0, signal: null });
    expect(run.results).toMatchObject([
      { success: false, error: { code: "memory_limit", message: expect.stringMatching(/table/) } },
    ]);
  });

  it("answers memory_limit twice for four 10M-element tables run twice; the process lives", async () => {
    const module = wat(`(module ${tables(4, TEN_MILLION)} (func (export "main")))`);
    const task = taskFor(module, [], { policy: { max_memory: 256 * 1048576 } });
    const run = await runInChild([task, task]);
    expect(run).toMatchObject({ exitCode: 0, signal: null });
    expect(run.results).toMatchObject([
      { success: false, error: { code: "memory_limit" } },
      { success: false, error: { code: "memory_limit" } },
    ]);
  });

  it("table.grow by 10M in each of eight tables: a clean result at max_gas 1e9, -1 from every grow with gas to spare; the process lives", async () => {
    const module = growingModule(8, TEN_MILLION);
    const policy = { max_memory: 256 * 1048576 };
    const run = await runInChild([
      taskFor(module, [], { policy: { ...policy, max_gas: 1e9 } }),
      taskFor(module, [], { policy: { ...policy, max_gas: 1e15 } }),
    ]);
    expect(run).toMatchObject({ exitCode: 0, signal: null });
    const [tight, ample] = run.results;
    // Growth may be charged per requested element: then max_gas 1e9 runs out first.
    if (tight?.success) expect(tight).toMatchObject({ output: 8 });
    else expect(tight).toMatchObject({ error: { code: "gas_exhausted" } });
    expect(ample).toMatchObject({ success: true, output: 8 });
  });

  it("allows tables up to max_memory / TABLE_ELEMENT_BYTES elements, at declaration and by growth", async () => {
    const maxMemory = 1048576;
    const budget = maxMemory / TABLE_ELEMENT_BYTES;
    const declared = (size: number) =>
      taskFor(wat(`(module ${tables(2, size / 2, "funcref")} (func (export "main")))`), [], {
        policy: { max_memory: maxMemory },
      });
    const grown = (by: number) =>
      taskFor(growingModule(2, by / 2, "funcref"), [], { policy: { max_memory: maxMemory } });
    const run = await runInChild([
      declared(budget),
      declared(budget + 2),
      grown(budget),
      grown(budget + 2),
    ]);
    expect(run).toMatchObject({ exitCode: 0, signal: null });
    expect(run.results).toMatchObject([
      { success: true },
      { success: false, error: { code: "memory_limit" } },
      { success: true, output: 0 },
      { success: true, output: 2 },
    ]);
  });
});
