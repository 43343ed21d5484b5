import type { JsonValue } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { taskFor } from "../../test/example-modules.js";
import { wat } from "../../test/wat.js";
import { createSandboxExecutor } from "../create-sandbox-executor.js";

const executor = createSandboxExecutor({ workers: 1 });
afterAll(() => executor.close());

/**
 * A WASI command that writes its environment block (`NAME=value\0…`), then "|", then up to
 * 1000 bytes of stdin, then "|" and its argv[0].
 */
const ECHO = wat(`(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argsizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 96) "|")
  (func $out (param $pointer i32) (param $length i32)
    (i32.store (i32.const 0) (local.get $pointer))
    (i32.store (i32.const 4) (local.get $length))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (drop (call $sizes (i32.const 16) (i32.const 20)))
    (drop (call $environ (i32.const 1024) (i32.const 4096)))
    (call $out (i32.const 4096) (i32.load (i32.const 20)))
    (call $out (i32.const 96) (i32.const 1))
    (i32.store (i32.const 32) (i32.const 8192))
    (i32.store (i32.const 36) (i32.const 1000))
    (drop (call $read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $out (i32.const 8192) (i32.load (i32.const 40)))
    (call $out (i32.const 96) (i32.const 1))
    (drop (call $argsizes (i32.const 48) (i32.const 52)))
    (drop (call $args (i32.const 2048) (i32.const 12288)))
    ;; argv[0] without its NUL
    (call $out (i32.const 12288) (i32.sub (i32.load (i32.const 52)) (i32.const 1)))))`);

const decode = (output: unknown) => Buffer.from(String(output), "base64").toString("latin1");

describe("the cgi ABI", () => {
  it("gives the module its environment, the body on stdin, SCRIPT_NAME as argv[0]; stdout comes back raw", async () => {
    const body = Buffer.from([0x00, 0xff, 0x0a, 0x41]);
    const result = await executor.execute(
      taskFor(
        ECHO,
        {
          environment: { REQUEST_METHOD: "POST", SCRIPT_NAME: "/fn/echo@1", QUERY_STRING: "a=1" },
          body: body.toString("base64"),
        },
        { abi: "cgi" },
      ),
    );
    expect(result.success).toBe(true);
    expect(decode(result.output)).toBe(
      `REQUEST_METHOD=POST\0SCRIPT_NAME=/fn/echo@1\0QUERY_STRING=a=1\0|${body.toString("latin1")}|/fn/echo@1`,
    );
  });

  it("an empty environment and body are an empty block and no stdin", async () => {
    const result = await executor.execute(taskFor(ECHO, { environment: {} }, { abi: "cgi" }));
    expect(decode(result.output)).toBe("||module");
  });

  it("refuses inputs that are not an environment and a base64 body, without running", async () => {
    const invalid: JsonValue[] = [
      [1, 2],
      { environment: { "BAD NAME": "x" } },
      { environment: { A: 1 } },
      { environment: {}, body: "not base64!" },
      { environment: { A: "nul\u0000" } },
    ];
    for (const inputs of invalid) {
      const result = await executor.execute(taskFor(ECHO, inputs, { abi: "cgi" }));
      expect(result).toMatchObject({ success: false, error: { code: "invalid_input" } });
    }
  });

  it("without cgi, a WASI run still has an empty environment", async () => {
    const result = await executor.execute(taskFor(ECHO, { a: 1 }, { abi: "wasi" }));
    expect(result.output).toBe('|{"a":1}|module');
  });
});
