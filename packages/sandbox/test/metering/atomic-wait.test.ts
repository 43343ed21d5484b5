import { afterAll, describe, expect, it } from "vitest";
import { createSandboxExecutor } from "../../src/create-sandbox-executor.js";
import { taskFor } from "../example-modules.js";
import { wat } from "../wat.js";

// main(timeout): waits on a shared memory cell that nobody notifies.
const waiting = wat(`(module (memory 1 1 shared)
  (func (export "main") (param i64) (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (local.get 0))))`);

describe("memory.atomic.wait through the sandbox", () => {
  const executor = createSandboxExecutor({ workers: 1 });
  afterAll(() => executor.close());

  it("an infinite wait is out of gas at once, even with an unlimited budget, not a timeout", async () => {
    const result = await executor.execute(
      taskFor(waiting, ["-1"], { policy: { max_gas: Number.MAX_SAFE_INTEGER, max_time: 3000 } }),
    );
    expect(result).toMatchObject({ success: false, error: { code: "gas_exhausted" } });
  });

  it("a wait of 10 s is out of gas with max_gas 1e9 (6 gas per nanosecond)", async () => {
    const result = await executor.execute(
      taskFor(waiting, ["10000000000"], { policy: { max_gas: 1e9, max_time: 3000 } }),
    );
    expect(result).toMatchObject({ success: false, error: { code: "gas_exhausted" } });
  });

  it("a wait of 1 ms within the budget times out as the module asked ('timed-out' is 2)", async () => {
    const result = await executor.execute(
      taskFor(waiting, ["1000000"], { policy: { max_gas: 1e9, max_time: 3000 } }),
    );
    expect(result).toMatchObject({ success: true, output: 2 });
    expect(result.gasUsed).toBeGreaterThan(6_000_000);
  });
});
