import type { ExecutionResult, ExecutionTask } from "@wasm-relay/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { entropyModule, readEntropy } from "../test/entropy-module.js";
import { exampleModule, taskFor } from "../test/example-modules.js";
import { runInChild } from "../test/run-in-child.js";
import { createSandboxExecutor } from "./create-sandbox-executor.js";
import { DETERMINISTIC_EPOCH_NANOSECONDS } from "./worker/wasi-preview1.js";

const first = createSandboxExecutor({ workers: 1 });
const second = createSandboxExecutor({ workers: 2 });
afterAll(async () => {
  await first.close();
  await second.close();
});

const hexSeed = fc.stringMatching(/^[0-9a-f]{64}$/);
const processor = exampleModule("processor");
const calculator = exampleModule("calculator");

/** Generated tasks: the entropy module, a real WASI program and a numeric one, any seed and inputs. */
const taskArbitrary: fc.Arbitrary<ExecutionTask> = fc.oneof(
  fc
    .record({ seed: hexSeed, text: fc.string({ maxLength: 40 }) })
    .map(({ seed, text }) => taskFor(entropyModule, { text }, { seed })),
  fc
    .record({ seed: hexSeed, text: fc.string({ maxLength: 40 }), uppercase: fc.boolean() })
    .map(({ seed, text, uppercase }) =>
      taskFor(processor, { text, options: { uppercase } }, { seed }),
    ),
  fc
    .record({ seed: hexSeed, a: fc.integer(), b: fc.integer() })
    .map(({ seed, a, b }) => taskFor(calculator, [a % 1000, b % 1000], { seed, entry: "mul" })),
);

/** What must be identical between two runs of one task: everything but the wall-clock duration. */
function observable(result: ExecutionResult) {
  const { durationMs: _duration, ...rest } = result;
  return JSON.stringify(rest);
}

describe("deterministic runs", () => {
  it("give byte-identical output, stdout, stderr and gas in different workers and processes", async () => {
    const tasks = fc.sample(taskArbitrary, { numRuns: 24, seed: Date.now() % 2 ** 31 });
    const inFirst = [];
    for (const task of tasks) inFirst.push(await first.execute(task));
    // The other pool runs them concurrently, in reverse, across its two workers.
    const inSecond = await Promise.all([...tasks].reverse().map((task) => second.execute(task)));
    inSecond.reverse();
    const child = await runInChild(tasks, { workers: 1 });
    expect(child.exitCode).toBe(0);
    for (const [index, result] of inFirst.entries()) {
      expect(result.success, JSON.stringify(result)).toBe(true);
      expect(observable(inSecond[index] as ExecutionResult)).toBe(observable(result));
      expect(observable(child.results[index] as ExecutionResult)).toBe(observable(result));
    }
  }, 120_000);

  it("derive the clocks from gas spent and the random bytes from the seed", async () => {
    const seed = "ab".repeat(32);
    const result = await first.execute(taskFor(entropyModule, { text: "x" }, { seed }));
    const other = await first.execute(
      taskFor(entropyModule, { text: "x" }, { seed: "cd".repeat(32) }),
    );
    const entropy = readEntropy(result.output);
    // Gas spent before the clock call reads as nanoseconds past 2024-01-01T00:00:00Z.
    expect(entropy.realtime).toBeGreaterThan(DETERMINISTIC_EPOCH_NANOSECONDS);
    expect(entropy.realtime - DETERMINISTIC_EPOCH_NANOSECONDS).toBeLessThan(
      BigInt(result.gasUsed ?? 0),
    );
    expect(entropy.monotonic).toBeGreaterThan(entropy.realtime - DETERMINISTIC_EPOCH_NANOSECONDS);
    const otherEntropy = readEntropy(other.output);
    expect(otherEntropy.random).not.toBe(entropy.random);
    expect(otherEntropy.realtime).toBe(entropy.realtime);
  });

  it("use the request id as the seed when the task has none", async () => {
    const withId = await first.execute(taskFor(entropyModule, {}, { requestId: "12".repeat(32) }));
    const seeded = await first.execute(taskFor(entropyModule, {}, { seed: "12".repeat(32) }));
    expect(observable(withId)).toBe(observable(seeded));
  });

  it("see the real clock and real randomness with deterministic: false", async () => {
    const task = taskFor(entropyModule, {}, { deterministic: false, seed: "ab".repeat(32) });
    const [one, two] = [await first.execute(task), await first.execute(task)];
    const [a, b] = [readEntropy(one.output), readEntropy(two.output)];
    expect(a.random).not.toBe(b.random);
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(now - a.realtime).toBeLessThan(60_000_000_000n);
    expect(now - a.realtime).toBeGreaterThanOrEqual(0n);
  });
});
