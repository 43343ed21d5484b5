import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testPolicy } from "../../test/example-modules.js";
import { wat } from "../../test/wat.js";
import { crashOutcome } from "./crash-outcome.js";
import { type PoolJob, WorkerPool, type WorkerStop } from "./worker-pool.js";
import type { WorkerResultMessage, WorkerRunMessage } from "./worker-protocol.js";

// A stand-in worker script speaking the pool's protocol: `entry` says what to do.
// "hold" keeps its key as compiled and says whether bytes came; "evict" forgets every key.
const SCRIPT = `
import { parentPort } from "node:worker_threads";
const held = new Set();
let asked = 0;
parentPort.on("message", (message) => {
  if (message.entry === "hold") {
    if (!message.bytes && !held.has(message.key)) {
      asked += 1;
      parentPort.postMessage({ type: "need-bytes", id: message.id });
      return;
    }
    held.add(message.key);
    const output = { bytes: message.bytes !== undefined, asked };
    parentPort.postMessage({ type: "result", id: message.id, outcome: { success: true, output, gasUsed: 0 }, compiled: true });
    return;
  }
  if (message.entry === "evict") held.clear();
  if (message.entry === "exhaust-heap") {
    const keep = [];
    for (;;) keep.push(new Array(1000).fill(1.5));
  }
  if (message.entry === "uninterruptible") {
    new WebAssembly.Instance(new WebAssembly.Module(message.bytes)).exports.main(0);
  }
  parentPort.postMessage({
    type: "result",
    id: message.id,
    outcome: { success: true, output: message.entry, gasUsed: 0 },
  });
});
`;
const directory = mkdtempSync(join(tmpdir(), "worker-pool-test-"));
const script = pathToFileURL(join(directory, "stand-in-worker.mjs"));
writeFileSync(script, SCRIPT);

/**
 * Runs for seconds without an interrupt check (not metered): one function making `calls`
 * calls to a straight-line leaf of `calls` × 4 instructions. Termination waits until it ends.
 */
function uninterruptibleModule(calls: number): Uint8Array<ArrayBuffer> {
  const leaf = "(local.get 0)" + " (i32.const 7) (i32.mul) (i32.const 3) (i32.xor)".repeat(calls);
  const body = "(local.get 0) (call $leaf) (local.set 0) ".repeat(calls);
  return wat(`(module (func $leaf (param i32) (result i32) ${leaf})
    (func (export "main") (param i32) (result i32) ${body} (local.get 0)))`);
}

function runJob(
  pool: WorkerPool,
  entry: string,
  bytes: Uint8Array = new Uint8Array(),
  timeLimitMs = 30_000,
  rank?: number,
  onSubmitted?: (position: number) => void,
): Promise<{ reply?: WorkerResultMessage; stop?: WorkerStop }> {
  return new Promise((resolve) => {
    const message: Omit<WorkerRunMessage, "id"> = {
      type: "run",
      bytes,
      metered: true,
      key: entry,
      maxTableElements: 0,
      entry,
      abi: undefined,
      inputs: [],
      policy: testPolicy,
      limits: { maxOutputBytes: 1024, maxStderrBytes: 1024 },
    };
    const job: PoolJob = {
      message,
      timeLimitMs,
      onStart() {},
      onResult: (reply) => resolve({ reply }),
      onStop: (stop) => resolve({ stop }),
      ...(rank !== undefined ? { rank } : {}),
    };
    const position = pool.submit(job);
    onSubmitted?.(position);
  });
}

const pools: WorkerPool[] = [];
function createPool(options: Partial<ConstructorParameters<typeof WorkerPool>[0]> = {}) {
  const pool = new WorkerPool({ size: 1, maxQueue: 4, script, workerData: {}, ...options });
  pools.push(pool);
  return pool;
}
afterAll(() => Promise.all(pools.map((pool) => pool.close())));

describe("WorkerPool", () => {
  it("turns a worker that runs out of V8 heap into memory_limit, replaces it and keeps serving", async () => {
    const pool = createPool({ resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const { stop } = await runJob(pool, "exhaust-heap");
    expect(stop).toMatchObject({ kind: "crashed", error: { code: "ERR_WORKER_OUT_OF_MEMORY" } });
    expect(crashOutcome((stop as { error: Error }).error)).toMatchObject({
      success: false,
      error: { code: "memory_limit", message: expect.stringContaining("V8 heap") },
      gasUsed: null,
    });
    expect(pool.replacements).toBe(1);
    expect(await runJob(pool, "echo")).toMatchObject({ reply: { outcome: { output: "echo" } } });
  });

  it("sends a module's bytes only to a worker that does not hold its key compiled", async () => {
    const pool = createPool();
    const bytes = new Uint8Array([0, 97, 115, 109]);
    const output = async (entry: string) =>
      ((await runJob(pool, entry, bytes)).reply?.outcome as { output: unknown } | undefined)
        ?.output;
    expect(await output("hold")).toEqual({ bytes: true, asked: 0 });
    // The worker said it holds the key: the next run goes without bytes.
    expect(await output("hold")).toEqual({ bytes: false, asked: 0 });
    expect(await output("hold")).toEqual({ bytes: false, asked: 0 });
    // After an eviction the worker asks once and gets the same task with its bytes.
    expect(await output("evict")).toBe("evict");
    expect(await output("hold")).toEqual({ bytes: true, asked: 1 });
    expect(await output("hold")).toEqual({ bytes: false, asked: 1 });
  });

  it("answers a timeout at once and tracks the stopped thread until it exits", async () => {
    const pool = createPool();
    const { stop } = await runJob(pool, "uninterruptible", uninterruptibleModule(40_000), 200);
    expect(stop).toEqual({ kind: "timeout" });
    expect(pool.replacements).toBe(1);
    // The new worker serves while the old thread still runs to its end.
    expect(await runJob(pool, "echo")).toMatchObject({ reply: { outcome: { output: "echo" } } });
    await expect.poll(() => pool.stopping, { timeout: 60_000, interval: 50 }).toBe(0);
  });

  it("orders waiting jobs by rank, first come first served within a rank, and reports the real position", async () => {
    const pool = createPool({ maxQueue: 16 });
    const finished: string[] = [];
    const positions: Record<string, number> = {};
    const submit = (entry: string, rank: number) =>
      runJob(pool, entry, new Uint8Array(), 30_000, rank, (position) => {
        positions[entry] = position;
      }).then((result) => {
        finished.push(entry);
        return result;
      });
    // The first job takes the only worker at once (after a microtask); the rest wait.
    const first = submit("normal-1", 1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [
      submit("low-1", 2),
      submit("normal-2", 1),
      submit("high-1", 0),
      submit("normal-3", 1),
      submit("high-2", 0),
    ];
    await Promise.all([first, ...rest]);
    expect(finished).toEqual(["normal-1", "high-1", "high-2", "normal-2", "normal-3", "low-1"]);
    expect(positions).toEqual({
      "normal-1": 1,
      "low-1": 1,
      "normal-2": 1,
      "high-1": 1,
      "normal-3": 3,
      "high-2": 2,
    });
  });

  it("close() resolves within closeTimeoutMs even while a thread cannot be stopped", async () => {
    const pool = createPool({ closeTimeoutMs: 200 });
    const running = runJob(pool, "uninterruptible", uninterruptibleModule(60_000));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await pool.close();
    const waited = performance.now() - started;
    expect(await running).toMatchObject({ stop: { kind: "aborted" } });
    // Bounded by closeTimeoutMs, not by the module (which runs for seconds).
    expect(waited).toBeLessThan(1500);
    // Usually the thread is still running here (stopping is 1); on a loaded machine it may still
    // have been compiling and stop at once, so only the bound above is asserted.
    expect(pool.stopping).toBeLessThanOrEqual(1);
    await expect.poll(() => pool.stopping, { timeout: 60_000, interval: 50 }).toBe(0);
  });
});
