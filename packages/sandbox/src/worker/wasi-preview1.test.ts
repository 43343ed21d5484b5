import { afterAll, describe, expect, it } from "vitest";
import { exampleModule, taskFor } from "../../test/example-modules.js";
import { wat } from "../../test/wat.js";
import { createSandboxExecutor } from "../create-sandbox-executor.js";

const executor = createSandboxExecutor({ workers: 1, maxStderrBytes: 64 });
afterAll(() => executor.close());

const processor = exampleModule("processor");

describe("WASI preview1 commands", () => {
  it("runs processor@quantum: inputs as JSON on stdin, stdout parsed as JSON", async () => {
    const result = await executor.execute(
      taskFor(processor, { text: "hello world", options: { uppercase: true } }),
    );
    expect(result).toMatchObject({
      success: true,
      output: { text: "HELLO WORLD", length: 11, words: 2, uppercase: true },
    });
    expect(result.gasUsed).toBeGreaterThan(0);
  });

  it("reports a non-zero exit as error exit, with stderr kept", async () => {
    const result = await executor.execute(taskFor(processor, [1, 2]));
    expect(result).toMatchObject({
      success: false,
      error: { code: "exit", message: expect.stringContaining("code 1") },
      stderr: expect.stringContaining("input must be a JSON object"),
    });
  });

  it("keeps stderr bounded", async () => {
    const noisy = wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "\\10\\00\\00\\00\\00\\04\\00\\00")
      (func (export "_start") (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 2000)))))`);
    const result = await executor.execute(taskFor(noisy, null));
    expect(result.success).toBe(true);
    expect(result.stderr).toMatch(/stderr cut: 960 more bytes/);
  });

  it("offers no filesystem and an empty environment", async () => {
    const probe = wat(`(module
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $env (i32.const 100) (i32.const 104)))
        ;; stdout: the digits of path_open's errno and of the environment count
        (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.div_u
          (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)) (i32.const 10))))
        (i32.store8 (i32.const 201) (i32.add (i32.const 48) (i32.load (i32.const 100))))
        (i32.store (i32.const 0) (i32.const 200))
        (i32.store (i32.const 4) (i32.const 2))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const result = await executor.execute(taskFor(probe, null));
    // ENOSYS is 52: "5" then 0 environment variables.
    expect(result).toMatchObject({ success: true, output: 50 });
  });

  it("chooses the ABI from the module, and honours an explicit one", async () => {
    const explicit = await executor.execute(
      taskFor(processor, [], { abi: "numeric", entry: "main" }),
    );
    expect(explicit).toMatchObject({ success: false, error: { code: "entry_not_found" } });
  });

  it("answers output_too_large when stdout passes the bound", async () => {
    const small = createSandboxExecutor({ workers: 1, maxOutputBytes: 16 });
    try {
      const result = await small.execute(taskFor(processor, { text: "a long enough text" }));
      expect(result).toMatchObject({ success: false, error: { code: "output_too_large" } });
    } finally {
      await small.close();
    }
  });
});
