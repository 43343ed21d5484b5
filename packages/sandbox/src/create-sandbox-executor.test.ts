import type { ExecutorEvent } from "@wasm-relay/core";
import { ExecutorUnavailableError } from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { exampleModule, taskFor } from "../test/example-modules.js";
import { createSandboxExecutor } from "./create-sandbox-executor.js";

const executor = createSandboxExecutor({ workers: 2 });
afterAll(() => executor.close());

const calculator = exampleModule("calculator");
const spin = exampleModule("spin");
const trap = exampleModule("trap");

describe("createSandboxExecutor: numeric ABI", () => {
  it("runs calculator main(5, 3) = 8 and reports queued then started", async () => {
    const events: ExecutorEvent[] = [];
    const result = await executor.execute(taskFor(calculator, [5, 3]), {
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ success: true, output: 8 });
    expect(events.map((event) => event.type).slice(0, 2)).toEqual(["queued", "started"]);
  });

  it("keeps working when an event listener throws", async () => {
    const result = await executor.execute(taskFor(calculator, [1, 1]), {
      onEvent: () => {
        throw new Error("listener failed");
      },
    });
    expect(result).toMatchObject({ success: true, output: 2 });
  });

  it("picks the export named by entry and passes floats", async () => {
    const result = await executor.execute(taskFor(calculator, [1.5, 4], { entry: "mul" }));
    expect(result).toMatchObject({ success: true, output: 6 });
  });

  it("answers entry_not_found for a missing export", async () => {
    const result = await executor.execute(taskFor(calculator, [1, 2], { entry: "nope" }));
    expect(result).toMatchObject({ success: false, error: { code: "entry_not_found" } });
  });

  it("answers invalid_input for a wrong count or type", async () => {
    const count = await executor.execute(taskFor(calculator, [1]));
    const type = await executor.execute(taskFor(calculator, [1.5, 2]));
    expect(count).toMatchObject({ success: false, error: { code: "invalid_input" } });
    expect(type).toMatchObject({ success: false, error: { code: "invalid_input" } });
  });

  it("answers invalid_input for inputs too deep to hand to a worker, and keeps serving", async () => {
    // An embedder that skips the relay's input bounds: structured clone throws a RangeError.
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level++) deep = [deep];
    const result = await executor.execute(taskFor(calculator, deep as never));
    expect(result).toMatchObject({ success: false, error: { code: "invalid_input" } });
    const after = await executor.execute(taskFor(calculator, [2, 2]));
    expect(after).toMatchObject({ success: true, output: 4 });
  });

  it("answers trap with the engine's message", async () => {
    const unreachable = await executor.execute(taskFor(trap, []));
    const divide = await executor.execute(taskFor(trap, [1, 0], { entry: "divide" }));
    expect(unreachable).toMatchObject({
      success: false,
      error: { code: "trap", message: "unreachable" },
    });
    expect(divide).toMatchObject({
      success: false,
      error: { code: "trap", message: "divide by zero" },
    });
  });

  it("answers invalid_module for bytes that are not wasm", async () => {
    const result = await executor.execute(taskFor(new Uint8Array([1, 2, 3]), []));
    expect(result).toMatchObject({ success: false, error: { code: "invalid_module" } });
  });

  it("stops an infinite loop at max_time, replaces the worker and keeps serving", async () => {
    const before = executor.stats().workersReplaced;
    const started = performance.now();
    const result = await executor.execute(
      taskFor(spin, [], { policy: { max_time: 100, max_gas: Number.MAX_SAFE_INTEGER } }),
    );
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ success: false, error: { code: "timeout" } });
    expect(elapsed).toBeLessThan(150);
    expect(executor.stats().workersReplaced).toBe(before + 1);
    const after = await executor.execute(taskFor(calculator, [2, 2]));
    expect(after).toMatchObject({ success: true, output: 4 });
  });

  it("refuses work beyond the queue bound with ExecutorUnavailableError", async () => {
    const small = createSandboxExecutor({ workers: 1, maxQueue: 1 });
    try {
      const slow = taskFor(spin, [], {
        policy: { max_time: 300, max_gas: Number.MAX_SAFE_INTEGER },
      });
      const first = small.execute(slow);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = small.execute(slow);
      await expect(small.execute(slow)).rejects.toBeInstanceOf(ExecutorUnavailableError);
      await Promise.all([first, second]);
    } finally {
      await small.close();
    }
  });

  it("withdraws a task still waiting for a worker after startWithinMs: never started, ExecutorUnavailableError", async () => {
    const small = createSandboxExecutor({ workers: 1, inline: false });
    try {
      const blocker = small.execute(
        taskFor(spin, [], { policy: { max_time: 3000, max_gas: Number.MAX_SAFE_INTEGER } }),
      );
      await expect.poll(() => small.stats().busy, { timeout: 5000 }).toBe(1);
      const events: ExecutorEvent[] = [];
      const late = await small
        .execute(taskFor(calculator, [2, 3]), {
          startWithinMs: 150,
          onEvent: (event) => events.push(event),
        })
        .catch((error: unknown) => error);
      expect(late).toBeInstanceOf(ExecutorUnavailableError);
      expect((late as Error).message).toMatch(/idempotency lease/);
      expect(events.map((event) => event.type)).toEqual(["queued"]);
      expect(small.stats()).toMatchObject({ queued: 0, busy: 1 });
      await blocker;
      // A task that starts within its bound runs as usual.
      await expect(
        small.execute(taskFor(calculator, [2, 3]), { startWithinMs: 150 }),
      ).resolves.toMatchObject({ success: true, output: 5 });
    } finally {
      await small.close();
    }
  });

  it("rejects with the abort reason when the signal aborts a running task", async () => {
    const controller = new AbortController();
    const running = executor.execute(
      taskFor(spin, [], { policy: { max_time: 5000, max_gas: Number.MAX_SAFE_INTEGER } }),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("client went away")), 50);
    await expect(running).rejects.toThrow("client went away");
  });
});

describe("createSandboxExecutor: priority", () => {
  it("starts waiting tasks by priority (high, normal, low), first come first served within one", async () => {
    const single = createSandboxExecutor({ workers: 1 });
    try {
      const order: string[] = [];
      const run = (label: string, priority: "high" | "normal" | "low", bytes = calculator) =>
        single.execute(
          taskFor(bytes, bytes === spin ? [] : [1, 2], {
            priority,
            policy: { max_time: bytes === spin ? 500 : 5000 },
          }),
          {
            onEvent: (event) => {
              if (event.type === "started") order.push(label);
            },
          },
        );
      const blocker = run("blocker", "low", spin);
      await expect.poll(() => order.length).toBe(1);
      const rest = [
        run("low", "low"),
        run("normal-1", "normal"),
        run("high", "high"),
        run("normal-2", "normal"),
      ];
      await Promise.all([blocker, ...rest]);
      expect(order).toEqual(["blocker", "high", "normal-1", "normal-2", "low"]);
    } finally {
      await single.close();
    }
  });
});
