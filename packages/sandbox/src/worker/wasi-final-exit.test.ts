import { afterAll, describe, expect, it } from "vitest";
import { taskFor } from "../../test/example-modules.js";
import { wat } from "../../test/wat.js";
import { createSandboxExecutor } from "../create-sandbox-executor.js";
import { WASI_GAS } from "./wasi-preview1.js";

const executor = createSandboxExecutor({ workers: 1 });
afterAll(() => executor.close());

const IMPORTS = `
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 17)
  (data (i32.const 16) "escaped")`;

/** A WASI command that exits with `code` inside `try … catch_all`, then runs `after`. */
function catchingExit(code: number, after: string): Uint8Array {
  return wat(`(module ${IMPORTS}
    (func (export "_start")
      (try (do (call $exit (i32.const ${code}))) (catch_all))
      ${after}))`);
}

/** Writes "escaped" to stdout. */
const WRITE_ESCAPED = `
  (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 7))
  (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))`;

const policy = { max_gas: 100_000_000, max_time: 10_000, max_memory: 32 * 65536 };

describe("WASI: proc_exit is final", () => {
  it("a module that catches proc_exit (catch_all) cannot go on: exit with its code", async () => {
    const result = await executor.execute(
      taskFor(catchingExit(7, `${WRITE_ESCAPED} (loop $forever (br $forever))`), null, { policy }),
    );
    expect(result).toMatchObject({
      success: false,
      error: { code: "exit", message: "the module exited with code 7" },
    });
    expect(result.output).toBeUndefined();
  });

  it("gas_used is the gas at proc_exit, whatever the module does after catching it", async () => {
    const direct = await executor.execute(
      taskFor(
        wat(`(module ${IMPORTS} (func (export "_start") (call $exit (i32.const 3))))`),
        null,
        {
          policy,
        },
      ),
    );
    const looping = await executor.execute(
      taskFor(catchingExit(3, "(loop $forever (br $forever))"), null, { policy }),
    );
    const returning = await executor.execute(taskFor(catchingExit(3, ""), null, { policy }));
    for (const result of [direct, looping, returning]) {
      expect(result).toMatchObject({ success: false, error: { code: "exit" } });
      expect(result.gasUsed).toBeGreaterThan(0);
      expect(result.gasUsed).toBeLessThan(1000);
    }
    expect(looping.gasUsed).toBe(returning.gasUsed);
  });

  it("exit code 0 stays a success even when the module traps after catching it", async () => {
    const result = await executor.execute(
      taskFor(catchingExit(0, "(unreachable)"), null, { policy }),
    );
    expect(result).toMatchObject({ success: true, output: null });
  });
});

describe("WASI: host functions charge gas for their work", () => {
  const randomModule = (bytes: number) =>
    wat(`(module ${IMPORTS}
      (func (export "_start") (drop (call $random (i32.const 0) (i32.const ${bytes})))))`);
  const stderrModule = (bytes: number) =>
    wat(`(module ${IMPORTS}
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const ${bytes}))
        (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))`);

  it("random_get charges WASI_GAS.byte per byte", async () => {
    const small = await executor.execute(taskFor(randomModule(16), null, { policy }));
    const large = await executor.execute(taskFor(randomModule(1_048_576), null, { policy }));
    expect(small.success && large.success).toBe(true);
    expect(large.gasUsed! - small.gasUsed!).toBe((1_048_576 - 16) * WASI_GAS.byte);
  });

  it("fd_write charges per byte requested, also for stderr beyond its bound", async () => {
    const small = await executor.execute(taskFor(stderrModule(8), null, { policy }));
    const large = await executor.execute(taskFor(stderrModule(1_000_000), null, { policy }));
    expect(small.success && large.success).toBe(true);
    expect(large.gasUsed! - small.gasUsed!).toBe((1_000_000 - 8) * WASI_GAS.byte);
  });

  it("a loop of 1 MiB random_get calls runs out of gas, not of time", async () => {
    const loop = wat(`(module ${IMPORTS}
      (func (export "_start")
        (loop $again (drop (call $random (i32.const 0) (i32.const 1048576))) (br $again))))`);
    const result = await executor.execute(
      taskFor(loop, null, { policy: { ...policy, max_gas: 10_000_000, max_time: 5_000 } }),
    );
    expect(result).toMatchObject({
      success: false,
      error: { code: "gas_exhausted" },
      gasUsed: 10_000_000,
    });
  });
});
