import { afterAll, describe, expect, it } from "vitest";
import { taskFor } from "../test/example-modules.js";
import { wat } from "../test/wat.js";
import { readModuleInfo } from "./binary/module-info.js";
import { createSandboxExecutor, type SandboxExecutor } from "./create-sandbox-executor.js";
import { createWorkerState } from "./worker/run-task.js";

/** A distinct small module answering `value`. */
const answering = (value: number) =>
  wat(`(module (func (export "main") (result i32) (i32.const ${value})))`);

const executors: SandboxExecutor[] = [];
afterAll(() => Promise.all(executors.map((executor) => executor.close())));
function executorWith(options: Parameters<typeof createSandboxExecutor>[0]) {
  const executor = createSandboxExecutor({ workers: 1, ...options });
  executors.push(executor);
  return executor;
}

/** Size of `bytes` once metered, as the metered-bytes cache counts it. */
async function meteredSize(bytes: Uint8Array = answering(1)): Promise<number> {
  const probe = executorWith({});
  await probe.warm({ cid: "probe", bytes });
  return probe.stats().meteredCache.bytes;
}

describe("the metered-bytes cache", () => {
  it("never holds more bytes than its budget (conformance of bounds)", async () => {
    const size = await meteredSize();
    const budget = 3 * size + Math.floor(size / 2);
    const executor = executorWith({ meteredCacheBytes: budget });
    for (let value = 0; value < 12; value += 1) {
      await executor.warm({ cid: `m${value}`, bytes: answering(100 + value) });
      const { bytes, entries } = executor.stats().meteredCache;
      expect(bytes).toBeLessThanOrEqual(budget);
      expect(entries).toBeLessThanOrEqual(3);
    }
    expect(executor.stats().meteredCache.entries).toBe(3);
  });

  it("evicts the least recently used module first", async () => {
    // Constants of one, two and three LEB128 bytes: three modules of three sizes.
    const [first, second, third] = [answering(1), answering(1000), answering(100_000)];
    const [s1, s2, s3] = [
      await meteredSize(first),
      await meteredSize(second),
      await meteredSize(third),
    ];
    expect(new Set([s1, s2, s3, s1 + s3, s2 + s3]).size).toBe(5);
    const executor = executorWith({ meteredCacheBytes: s1 + s2 + s3 - 1 });
    await executor.warm({ cid: "first", bytes: first });
    await executor.warm({ cid: "second", bytes: second });
    await executor.warm({ cid: "first", bytes: first }); // a hit: first is now the most recent
    await executor.warm({ cid: "third", bytes: third }); // evicts second, not first
    expect(executor.stats().meteredCache).toEqual({ entries: 2, bytes: s1 + s3 });
  });

  it("keeps no module larger than the budget, keeps nothing at 0, and still runs", async () => {
    for (const meteredCacheBytes of [10, 0]) {
      const executor = executorWith({ meteredCacheBytes, compiledCacheBytes: meteredCacheBytes });
      expect(await executor.execute(taskFor(answering(7), []))).toMatchObject({ output: 7 });
      expect(await executor.execute(taskFor(answering(7), []))).toMatchObject({ output: 7 });
      expect(executor.stats().meteredCache).toEqual({ entries: 0, bytes: 0 });
    }
  });

  it("refuses a budget that is not a non-negative integer", () => {
    for (const budget of [-1, 1.5, Number.NaN]) {
      expect(() => createSandboxExecutor({ meteredCacheBytes: budget })).toThrow(RangeError);
      expect(() => createSandboxExecutor({ compiledCacheBytes: budget })).toThrow(RangeError);
    }
  });
});

describe("the compiled-module cache of a worker", () => {
  it("never holds more than its budget (conformance of bounds)", () => {
    const { compiled } = createWorkerState(100, new Float64Array(1));
    const bytes = answering(1);
    const entry = { module: new WebAssembly.Module(bytes), info: readModuleInfo(bytes) };
    for (let index = 0; index < 20; index += 1) {
      compiled?.set(`k${index}`, entry, { size: 30 });
      expect(compiled?.calculatedSize).toBeLessThanOrEqual(100);
    }
    expect(compiled?.size).toBe(3);
    compiled?.set("huge", entry, { size: 101 });
    expect(compiled?.has("huge")).toBe(false);
    expect(createWorkerState(0, new Float64Array(1)).compiled).toBeUndefined();
  });
});
