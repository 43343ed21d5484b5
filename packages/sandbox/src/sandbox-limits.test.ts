import type { ExecutorEvent } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { exampleModule, taskFor } from "../test/example-modules.js";
import { wat } from "../test/wat.js";
import { createSandboxExecutor } from "./create-sandbox-executor.js";

const executor = createSandboxExecutor({ workers: 2 });
afterAll(() => executor.close());

const calculator = exampleModule("calculator");
const spin = exampleModule("spin");
const unlimitedGas = Number.MAX_SAFE_INTEGER;

describe("sandbox: gas", () => {
  it("reports the real metered gas, identical over 10 runs", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => executor.execute(taskFor(calculator, [5, 3]))),
    );
    for (const result of results) expect(result).toMatchObject({ success: true, output: 8 });
    const gas = new Set(results.map((result) => result.gasUsed));
    expect(gas.size).toBe(1);
    expect([...gas][0]).toBeGreaterThan(0);
  });

  it("stops an infinite loop with max_gas 1e6: gas_exhausted, gas_used = budget", async () => {
    const result = await executor.execute(
      taskFor(spin, [], { policy: { max_gas: 1_000_000, max_time: 5000 } }),
    );
    expect(result).toMatchObject({
      success: false,
      error: { code: "gas_exhausted" },
      gasUsed: 1_000_000,
    });
  });

  it("stops an infinite loop with unlimited gas at max_time 100 within 150 ms", async () => {
    const started = performance.now();
    const result = await executor.execute(
      taskFor(spin, [], { policy: { max_gas: unlimitedGas, max_time: 100 } }),
    );
    expect(performance.now() - started).toBeLessThan(150);
    expect(result).toMatchObject({ success: false, error: { code: "timeout" } });
  });

  it("sends progress events while a long computation runs, before its result", async () => {
    const events: { event: ExecutorEvent; at: number }[] = [];
    let finishedAt = 0;
    const result = await executor
      .execute(taskFor(spin, [], { policy: { max_gas: 600_000_000, max_time: 20000 } }), {
        onEvent: (event) => events.push({ event, at: performance.now() }),
      })
      .finally(() => {
        finishedAt = performance.now();
      });
    expect(result).toMatchObject({ error: { code: "gas_exhausted" } });
    const progress = events.filter((entry) => entry.event.type === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const values = progress.map((entry) => (entry.event as { progress: number }).progress);
    expect(values).toEqual([...values].sort((left, right) => left - right));
    for (const value of values) expect(value).toBeLessThanOrEqual(100);
    const moving = progress.find((entry) => (entry.event as { progress: number }).progress > 0);
    expect(moving?.at).toBeLessThan(finishedAt);
    // At most one event per 100 ms window.
    for (let index = 1; index < progress.length; index++) {
      expect(progress[index]!.at - progress[index - 1]!.at).toBeGreaterThanOrEqual(90);
    }
  });
});

describe("sandbox: memory", () => {
  const bomb = wat(`(module (memory 1)
    (func (export "main") (result i32)
      (block $full (loop $grow
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
      (i32.mul (memory.size) (i32.const 65536))))`);

  it("lets a memory bomb grow only to max_memory, keeps RSS bounded and keeps serving", async () => {
    const before = process.memoryUsage().rss;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        executor.execute(taskFor(bomb, [], { policy: { max_memory: 1_048_576 } })),
      ),
    );
    for (const result of results)
      expect(result).toMatchObject({ success: true, output: 1_048_576 });
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(await executor.execute(taskFor(calculator, [1, 2]))).toMatchObject({ output: 3 });
  });

  it("serves several memory limits from one metered module", async () => {
    const entries = executor.stats().meteredCache.entries;
    const two = await executor.execute(
      taskFor(bomb, [], { policy: { max_memory: 2 * 1_048_576 } }),
    );
    const half = await executor.execute(taskFor(bomb, [], { policy: { max_memory: 524_288 } }));
    expect(two).toMatchObject({ success: true, output: 2 * 1_048_576 });
    expect(half).toMatchObject({ success: true, output: 524_288 });
    expect(executor.stats().meteredCache.entries).toBe(entries);
  });

  it("refuses a module whose initial memory is above max_memory: memory_limit", async () => {
    const big = wat(`(module (memory 32) (func (export "main")))`);
    const result = await executor.execute(taskFor(big, [], { policy: { max_memory: 1_048_576 } }));
    expect(result).toMatchObject({ success: false, error: { code: "memory_limit" } });
  });
});

describe("sandbox: traps and values", () => {
  it("reports stack overflow as a trap and keeps the worker usable", async () => {
    const deep = wat(`(module (func $down (export "main") (param i32) (result i32)
      (i32.add (i32.const 1) (call $down (local.get 0)))))`);
    const result = await executor.execute(
      taskFor(deep, [0], { policy: { max_gas: unlimitedGas } }),
    );
    expect(result).toMatchObject({ success: false, error: { code: "trap" } });
    expect((result as { error: { message: string } }).error.message).toMatch(/call stack/i);
    expect(await executor.execute(taskFor(calculator, [2, 2]))).toMatchObject({ output: 4 });
  });

  it("passes i64 as numbers when safe and as strings otherwise; multiple results as an array", async () => {
    const values = wat(`(module
      (func (export "main") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
      (func (export "pair") (param f64) (result f64 i32) (local.get 0) (i32.const 7)))`);
    expect(await executor.execute(taskFor(values, [2, 3]))).toMatchObject({ output: 5 });
    expect(await executor.execute(taskFor(values, ["9007199254740993", 1]))).toMatchObject({
      output: "9007199254740994",
    });
    expect(await executor.execute(taskFor(values, [0.5], { entry: "pair" }))).toMatchObject({
      output: [0.5, 7],
    });
    expect(await executor.execute(taskFor(values, ["x", 1]))).toMatchObject({
      error: { code: "invalid_input" },
    });
  });

  it("answers output_too_large when the output is above the bound", async () => {
    const small = createSandboxExecutor({ workers: 1, maxOutputBytes: 8 });
    try {
      const values = wat(`(module (func (export "main") (result f64) (f64.const 0.123456789)))`);
      expect(await small.execute(taskFor(values, []))).toMatchObject({
        error: { code: "output_too_large" },
      });
    } finally {
      await small.close();
    }
  });

  it("answers invalid_module for imports the sandbox does not provide", async () => {
    const importing = wat(`(module (import "env" "f" (func)) (func (export "main")))`);
    expect(await executor.execute(taskFor(importing, []))).toMatchObject({
      error: { code: "invalid_module", message: expect.stringContaining("env.f") },
    });
  });

  it("warms a module: metered ahead, then run from the cache", async () => {
    const ahead = wat(`(module (func (export "main") (result i32) (i32.const 41)))`);
    const before = executor.stats().meteredCache.entries;
    await executor.warm({ cid: "ahead", bytes: ahead });
    expect(executor.stats().meteredCache.entries).toBe(before + 1);
    expect(await executor.execute(taskFor(ahead, []))).toMatchObject({ output: 41 });
    expect(executor.stats().meteredCache.entries).toBe(before + 1);
  });

  it("caches metered bytes by content", async () => {
    const before = executor.stats().meteredCache.entries;
    const fresh = wat(`(module (func (export "main") (result i32) (i32.const 99)))`);
    await executor.execute(taskFor(fresh, []));
    await executor.execute(taskFor(fresh, []));
    expect(executor.stats().meteredCache.entries).toBe(before + 1);
  });
});
