import type { ExecutionResult, ExecutionTask, ExecutorEvent } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { exampleModule, taskFor } from "../../test/example-modules.js";
import { wat } from "../../test/wat.js";
import {
  createSandboxExecutor,
  type SandboxExecutor,
  type SandboxExecutorOptions,
} from "../create-sandbox-executor.js";

const executors: SandboxExecutor[] = [];
/** An executor closed after the file; `cooldownRuns: 0` so every run of a known key tries inline. */
function executorWith(inline: SandboxExecutorOptions["inline"]) {
  const executor = createSandboxExecutor({ workers: 1, inline });
  executors.push(executor);
  return executor;
}
afterAll(() => Promise.all(executors.map((executor) => executor.close())));

const inline = executorWith({ cooldownRuns: 0 });
const inWorkers = executorWith(false);

const busy = exampleModule("busy");
const calculator = exampleModule("calculator");
const trap = exampleModule("trap");
const processor = exampleModule("processor");

/** `main(depth)` recurses `depth` times (or forever for a negative depth) and returns depth. */
const recursion = wat(`(module
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "main") (param $n i32) (result i32) (call $down (local.get $n))))`);

/** `main(pages)` grows memory one page at a time up to `pages` times; returns the pages held. */
const grower = wat(`(module
  (memory 1)
  (func (export "main") (param $n i32) (result i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (memory.size)))`);

/** Declares 2 MiB of memory: above the 1 MiB inline default. */
const bigMemory = wat(`(module (memory 32) (func (export "main") (result i32) (memory.size)))`);

/** What must be identical inline and in a worker (the duration is not). */
function comparable(result: ExecutionResult) {
  const { durationMs: _duration, ...rest } = result;
  if (!rest.success) return { ...rest, error: { code: rest.error.code } };
  return rest;
}

/** Runs a task once so a worker compiles and shares its module, then again; answers the second. */
async function runTwice(executor: SandboxExecutor, task: ExecutionTask, second = task) {
  await executor.execute(task);
  return executor.execute(second);
}

describe("inline runs: bounds", () => {
  it("runs a known small module inline, with queued and started events naming the thread", async () => {
    const executor = executorWith({});
    await executor.execute(taskFor(calculator, [1, 2]));
    const events: ExecutorEvent[] = [];
    const result = await executor.execute(taskFor(calculator, [40, 2]), {
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ success: true, output: 42 });
    expect(events).toEqual([
      { type: "queued", position: 0 },
      { type: "started", executorNode: expect.stringMatching(/\/inline$/) },
    ]);
    expect(executor.stats()).toMatchObject({ inlined: 1, inlineFallbacks: 0, completed: 2 });
  });

  it("a never-ending loop inline falls back to a worker and ends on its gas", async () => {
    const executor = executorWith({ cooldownRuns: 0 });
    const task = taskFor(busy, [2 ** 31 - 1], { policy: { max_gas: 5_000_000 } });
    const result = await runTwice(executor, taskFor(busy, [1]), task);
    expect(result).toMatchObject({
      success: false,
      error: { code: "gas_exhausted" },
      gasUsed: 5_000_000,
    });
    expect(executor.stats()).toMatchObject({ inlined: 0, inlineFallbacks: 1 });
  });

  it("a never-ending loop with unlimited gas falls back and ends on max_time", async () => {
    const executor = executorWith({ cooldownRuns: 0 });
    const task = taskFor(exampleModule("spin"), [], {
      policy: { max_gas: Number.MAX_SAFE_INTEGER, max_time: 150 },
    });
    await executor.execute(taskFor(exampleModule("spin"), [], { policy: { max_gas: 1000 } }));
    const result = await executor.execute(task);
    expect(result).toMatchObject({ success: false, error: { code: "timeout" } });
    expect(executor.stats()).toMatchObject({ inlineFallbacks: 1, timedOut: 1 });
    // The module the terminated worker compiled still serves inline runs.
    const after = await executor.execute(
      taskFor(exampleModule("spin"), [], { policy: { max_gas: 1000 } }),
    );
    expect(after).toMatchObject({ error: { code: "gas_exhausted" }, gasUsed: 1000 });
    expect(executor.stats()).toMatchObject({ inlined: 1, workersReplaced: 1 });
  });

  it("an inline run longer than max_time answers timeout", async () => {
    const executor = executorWith({ gasSlice: 1e8 });
    const slow = taskFor(busy, [1_000_000], { policy: { max_time: 0.001 } });
    const result = await runTwice(executor, taskFor(busy, [1]), slow);
    expect(result).toMatchObject({ success: false, error: { code: "timeout" }, gasUsed: null });
    expect(executor.stats()).toMatchObject({ timedOut: 1, inlineFallbacks: 0 });
  });

  it("a loop within the slice ends inline on gas exactly as in a worker", async () => {
    const task = taskFor(busy, [2 ** 31 - 1], { policy: { max_gas: 100_000 } });
    const here = await runTwice(inline, taskFor(busy, [1], { policy: { max_gas: 100_000 } }), task);
    const there = await inWorkers.execute(task);
    expect(here).toMatchObject({ error: { code: "gas_exhausted" }, gasUsed: 100_000 });
    expect(comparable(here)).toEqual(comparable(there));
  });

  it("after a discarded run, the module's next runs go to a worker (cool-down)", async () => {
    const executor = executorWith({ cooldownRuns: 2 });
    const heavy = taskFor(busy, [10_000_000], { policy: { max_gas: 1e9 } });
    await executor.execute(taskFor(busy, [1]));
    await executor.execute(heavy);
    expect(executor.stats()).toMatchObject({ inlined: 0, inlineFallbacks: 1 });
    await executor.execute(taskFor(busy, [1]));
    await executor.execute(taskFor(busy, [1]));
    expect(executor.stats()).toMatchObject({ inlined: 0, inlineFallbacks: 1 });
    await executor.execute(taskFor(busy, [1]));
    expect(executor.stats()).toMatchObject({ inlined: 1, inlineFallbacks: 1 });
  });

  it("a stack overflow inline is not a crash: the task runs again in a worker and traps there", async () => {
    // A slice far above what the thread's stack holds: the overflow, not the slice, ends it.
    const executor = executorWith({ cooldownRuns: 0, gasSlice: 1e9 });
    const result = await runTwice(executor, taskFor(recursion, [3]), taskFor(recursion, [-1]));
    expect(result).toMatchObject({ success: false, error: { code: "trap" } });
    expect(executor.stats()).toMatchObject({ inlined: 0, inlineFallbacks: 1 });
  });

  it("memory grows inline up to max_memory, as in a worker", async () => {
    const task = taskFor(grower, [100], { policy: { max_memory: 8 * 65536 } });
    const here = await runTwice(inline, task);
    const there = await inWorkers.execute(task);
    expect(here).toMatchObject({ success: true, output: 8 });
    expect(comparable(here)).toEqual(comparable(there));
  });

  it("a module declaring more memory than maxMemoryBytes never runs inline", async () => {
    const executor = executorWith({ maxMemoryBytes: 1024 * 1024 });
    const result = await runTwice(
      executor,
      taskFor(bigMemory, [], { policy: { max_memory: 64 * 65536 } }),
    );
    expect(result).toMatchObject({ success: true, output: 32 });
    expect(executor.stats()).toMatchObject({ inlined: 0 });
  });

  it("a module above maxModuleBytes never runs inline", async () => {
    const executor = executorWith({ maxModuleBytes: calculator.length - 1 });
    await runTwice(executor, taskFor(calculator, [1, 2]));
    expect(executor.stats()).toMatchObject({ inlined: 0 });
  });

  it("WASI modules run inline unless wasi is false", async () => {
    const input = { text: "hello inline world", options: { uppercase: true } };
    const withWasi = executorWith({});
    const withoutWasi = executorWith({ wasi: false });
    const here = await runTwice(withWasi, taskFor(processor, input));
    const there = await runTwice(withoutWasi, taskFor(processor, input));
    expect(here).toMatchObject({ success: true, output: { text: "HELLO INLINE WORLD" } });
    expect(comparable(here)).toEqual(comparable(there));
    expect(withWasi.stats().inlined).toBe(1);
    expect(withoutWasi.stats().inlined).toBe(0);
  });

  it("a module with state of its own gets a fresh instance for every inline run", async () => {
    const counter = wat(`(module (global $calls (mut i32) (i32.const 0))
      (func (export "main") (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1))) (global.get $calls)))`);
    const executor = executorWith({});
    const results = [];
    for (let run = 0; run < 4; run++) results.push(await executor.execute(taskFor(counter, [])));
    expect(results.map((result) => result.output)).toEqual([1, 1, 1, 1]);
    expect(executor.stats().inlined).toBe(3);
  });

  it("a shared instance answers a run after a trap with the gas of a fresh one", async () => {
    const divide = (a: number, b: number) => taskFor(trap, [a, b], { entry: "divide" });
    const executor = executorWith({});
    const first = await runTwice(executor, divide(7, 2));
    await executor.execute(divide(7, 0));
    const afterTrap = await executor.execute(divide(7, 2));
    expect(comparable(afterTrap)).toEqual(comparable(first));
    expect(comparable(afterTrap)).toEqual(comparable(await inWorkers.execute(divide(7, 2))));
  });

  it("refuses a negative or fractional inline setting", () => {
    expect(() => createSandboxExecutor({ inline: { gasSlice: -1 } })).toThrow(RangeError);
    expect(() => createSandboxExecutor({ inline: { maxModuleBytes: 1.5 } })).toThrow(RangeError);
  });
});

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("inline runs: the same results and gas as in a worker", () => {
  it("over generated tasks of the example and test modules (seeded)", async () => {
    const seed = 14;
    const next = random(seed);
    const integer = (below: number) => Math.floor(next() * below);
    const makers: (() => ExecutionTask)[] = [
      () => taskFor(calculator, [integer(2 ** 31), integer(2 ** 31)]),
      () => taskFor(calculator, [next() * 1e6, next() * 1e6], { entry: "mul" }),
      () => taskFor(calculator, [integer(10)], { entry: "sub" }),
      () => taskFor(busy, [integer(200_000)], { policy: { max_gas: 50_000 + integer(2e6) } }),
      () => taskFor(trap, [integer(100), integer(3)], { entry: "divide" }),
      () => taskFor(trap, []),
      () => taskFor(recursion, [integer(2000)], { policy: { max_gas: 1000 + integer(40_000) } }),
      () => taskFor(grower, [integer(20)], { policy: { max_memory: (1 + integer(12)) * 65536 } }),
      () => taskFor(processor, { text: "a b ".repeat(integer(50)), options: { reverse: true } }),
      () => taskFor(processor, "not an object"),
    ];
    const tasks = Array.from({ length: 120 }, (_, index) => makers[index % makers.length]!());
    for (const task of tasks) {
      // Twice inline: the first run may be a worker's (it compiles), the second is inline.
      await inline.execute(task);
      const here = await inline.execute(task);
      const there = await inWorkers.execute(task);
      expect(comparable(here), `seed ${seed}, ${JSON.stringify(task.inputs)}`).toEqual(
        comparable(there),
      );
    }
    expect(inline.stats().inlined).toBeGreaterThan(60);
    expect(inline.stats().inlineFallbacks).toBeGreaterThan(0);
  });
});
