import { rawCid } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { taskFor } from "../test/example-modules.js";
import { wat } from "../test/wat.js";
import { createSandboxExecutor, type SandboxExecutor } from "./create-sandbox-executor.js";

/** A distinct small module with `pages` of memory answering `value`. */
const answering = (value: number, pages = 1) =>
  wat(`(module (memory ${pages}) (func (export "main") (result i32) (i32.const ${value})))`);

const executors: SandboxExecutor[] = [];
afterAll(() => Promise.all(executors.map((executor) => executor.close())));

describe("modules keyed by their CID, bytes sent only when a worker lacks them", () => {
  it("answers right while a one-module compiled cache evicts back and forth", async () => {
    // Room for one compiled module only (each counts about 1,200 bytes): each run evicts the
    // other, so the worker asks for the bytes again every time.
    const executor = createSandboxExecutor({ workers: 1, compiledCacheBytes: 2000 });
    executors.push(executor);
    const modules = await Promise.all(
      [7, 8].map(async (value) => {
        const bytes = answering(value);
        return { value, module: { cid: await rawCid(bytes), bytes } };
      }),
    );
    for (let round = 0; round < 3; round++) {
      for (const { value, module } of modules) {
        const result = await executor.execute({ ...taskFor(module.bytes, []), module });
        expect(result).toMatchObject({ success: true, output: value });
      }
    }
  });

  it("keeps max_memory in the compiled key when the module is keyed by its CID", async () => {
    const executor = createSandboxExecutor({ workers: 1 });
    executors.push(executor);
    const bytes = answering(5, 2);
    const module = { cid: await rawCid(bytes), bytes };
    const run = (pages: number) =>
      executor.execute({
        ...taskFor(bytes, [], { policy: { max_memory: pages * 65536 } }),
        module,
      });
    for (const pages of [1, 16, 1, 16]) {
      const result = await run(pages);
      if (pages === 1)
        expect(result).toMatchObject({ success: false, error: { code: "memory_limit" } });
      else expect(result).toMatchObject({ success: true, output: 5 });
    }
  });
});
