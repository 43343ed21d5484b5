import { afterAll, describe, expect, it } from "vitest";
import { exampleModule, taskFor } from "../test/example-modules.js";
import { wat } from "../test/wat.js";
import { createSandboxExecutor } from "./create-sandbox-executor.js";

const executor = createSandboxExecutor({ workers: 1 });
afterAll(() => executor.close());

const hugeGas = 1e15;

/**
 * About 4 MB: `$big` is one straight-line function of `calls` calls to a small leaf (no loop
 * inside), called by `main` in an endless loop. Before every call was metered at its site, a
 * call of `$big` ran for seconds without reaching a gas check or an interrupt check.
 */
function leafCallModule(calls = 600_000, leafOperations = 400): Uint8Array {
  const leaf = `(local.get 0)${" (i32.const 7) (i32.mul) (i32.const 3) (i32.xor)".repeat(leafOperations)}`;
  const body = "(local.get 0) (call $leaf) (local.set 0) ".repeat(calls);
  return wat(`(module
    (func $leaf (param i32) (result i32) ${leaf})
    (func $big (param i32) (result i32) ${body} (local.get 0))
    (func (export "main") (result i32) (local i32)
      (loop $forever (local.set 0 (call $big (local.get 0))) (br $forever))
      (local.get 0)))`);
}

async function expectStoppedAfterTimeout(bytes: Uint8Array, maxTime: number): Promise<void> {
  await executor.warm({ cid: "stopped-runs", bytes });
  const replaced = executor.stats().workersReplaced;
  const result = await executor.execute(
    taskFor(bytes, [], { policy: { max_gas: hugeGas, max_time: maxTime } }),
  );
  expect(result).toMatchObject({ success: false, error: { code: "timeout" } });
  expect(executor.stats().workersReplaced).toBe(replaced + 1);
  // The answered run's thread is gone soon after the answer, not when the module ends.
  await expect
    .poll(() => executor.stats().workersStopping, { timeout: 2000, interval: 20 })
    .toBe(0);
}

describe("sandbox: a run answered as stopped is stopped", () => {
  it("terminates the thread of a timed-out infinite loop", async () => {
    await expectStoppedAfterTimeout(exampleModule("spin"), 200);
  });

  it("terminates the thread of a timed-out 4 MB straight-line leaf-call module", async () => {
    const module = leafCallModule();
    expect(module.length).toBeGreaterThan(3_500_000);
    await expectStoppedAfterTimeout(module, 1000);
  });

  it("close() resolves promptly after a timed-out run, and the next executor serves", async () => {
    const own = createSandboxExecutor({ workers: 1 });
    const module = leafCallModule();
    await own.warm({ cid: "stopped-runs", bytes: module });
    const result = await own.execute(
      taskFor(module, [], { policy: { max_gas: hugeGas, max_time: 1000 } }),
    );
    expect(result).toMatchObject({ error: { code: "timeout" } });
    const closing = performance.now();
    await own.close();
    // Bounded by closeTimeoutMs (1000 by default) whatever the module does.
    expect(performance.now() - closing).toBeLessThan(1500);
    expect(own.stats().workersStopping).toBe(0);
    expect(await executor.execute(taskFor(exampleModule("calculator"), [2, 3]))).toMatchObject({
      output: 5,
    });
  });
});
