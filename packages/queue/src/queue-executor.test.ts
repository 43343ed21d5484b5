import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import type { ExecutionTask, ExecutorEvent } from "@wasm-relay/core";
import { ExecutorUnavailableError } from "@wasm-relay/core";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { deleteKeys, exampleModule, REDIS_URL, testPrefix } from "../test/queue-test-setup.js";
import { createQueueExecutor, type QueueExecutor } from "./create-queue-executor.js";
import { createQueueWorker, type QueueWorker } from "./create-queue-worker.js";
import { queueLayout } from "./queue-layout.js";

// Gas enough for spin to run until max_time (it is the blocker of several tests).
const policy = { max_memory: 16 * 65536, max_gas: 1e15, max_time: 5000 };
const opened: Array<QueueExecutor | QueueWorker> = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((part) => part.close()));
  await Promise.all(prefixes.splice(0).map(deleteKeys));
});

async function setUp(
  options: { workers?: number; concurrency?: number; maxQueue?: number; maxPerUser?: number } = {},
) {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const workers: QueueWorker[] = [];
  for (let index = 0; index < (options.workers ?? 1); index++) {
    const worker = createQueueWorker({
      redisUrl: REDIS_URL,
      prefix,
      nodeName: `node-${index + 1}`,
      concurrency: options.concurrency ?? 1,
      log: () => {},
    });
    opened.push(worker);
    workers.push(worker);
    await worker.ready();
  }
  const executor = createQueueExecutor({
    redisUrl: REDIS_URL,
    prefix,
    maxQueue: options.maxQueue,
    maxQueuePerUser: options.maxPerUser,
    snapshotIntervalMs: 200,
  });
  opened.push(executor);
  await executor.ready();
  return { executor, workers, prefix };
}

async function task(
  name: string,
  inputs: ExecutionTask["inputs"],
  extra: Partial<ExecutionTask> = {},
): Promise<ExecutionTask> {
  return { requestId: `r-${name}`, module: await exampleModule(name), inputs, policy, ...extra };
}

describe("queue executor and worker", () => {
  it("runs a module on a worker and reports queued (real position), started (the worker's name) and the result", async () => {
    const { executor } = await setUp();
    const events: ExecutorEvent[] = [];
    const result = await executor.execute(await task("calculator", [2, 3]), {
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ success: true, output: 5 });
    expect(events[0]).toEqual({ type: "queued", position: 1 });
    expect(events).toContainEqual({
      type: "started",
      executorNode: "node-1/worker-1",
      attempt: 1,
      remote: true,
    });
    expect(executor.stats()).toMatchObject({ waiting: 0, unavailableReason: undefined });
  });

  it("orders waiting jobs by priority and reports each one's real position", async () => {
    const { executor } = await setUp();
    const order: string[] = [];
    const positions: Record<string, number> = {};
    const run = async (label: string, extra: Partial<ExecutionTask>, name = "busy") => {
      const result = await executor.execute(
        await task(name, name === "busy" ? [1] : [], { requestId: label, ...extra }),
        {
          onEvent: (event) => {
            if (event.type === "queued") positions[label] = event.position;
            if (event.type === "started") order.push(label);
          },
        },
      );
      expect(result.success).toBe(name === "busy");
    };
    // The first job occupies the only worker until its max_time; the rest queue behind it.
    const first = run("blocker", { policy: { ...policy, max_time: 1500 } }, "spin");
    await expect.poll(() => order.length, { timeout: 10_000 }).toBe(1);
    const rest: Promise<void>[] = [];
    for (const [label, priority] of [
      ["low", "low"],
      ["normal-1", "normal"],
      ["high", "high"],
      ["normal-2", "normal"],
    ] as const) {
      rest.push(run(label, { priority }));
      await expect.poll(() => positions[label], { timeout: 5000 }).toBeDefined();
    }
    await Promise.all([first, ...rest]);
    expect(order).toEqual(["blocker", "high", "normal-1", "normal-2", "low"]);
    expect(positions).toEqual({ blocker: 1, low: 1, "normal-1": 1, high: 1, "normal-2": 3 });
  });

  it("refuses beyond RELAY_QUEUE_MAX (503) and RELAY_QUEUE_MAX_PER_USER (429, perCaller) before queueing", async () => {
    const { executor } = await setUp({ maxQueue: 3, maxPerUser: 2 });
    const blocker = executor.execute(
      await task("spin", [], { userId: "a", policy: { ...policy, max_time: 4000 } }),
    );
    await expect.poll(() => executor.stats().busy, { timeout: 10_000 }).toBe(1);
    const queued = [
      executor.execute(await task("calculator", [1, 1], { userId: "a" })),
      executor.execute(await task("calculator", [1, 2], { userId: "a" })),
    ];
    await expect.poll(() => executor.stats().queued, { timeout: 5000 }).toBe(2);
    const perUser = await executor
      .execute(await task("calculator", [1, 3], { userId: "a" }))
      .catch((error: unknown) => error);
    expect(perUser).toBeInstanceOf(ExecutorUnavailableError);
    expect(perUser).toMatchObject({ perCaller: true, unreachable: false });
    queued.push(executor.execute(await task("calculator", [1, 4], { userId: "b" })));
    const total = await executor
      .execute(await task("calculator", [1, 5], { userId: "c" }))
      .catch((error: unknown) => error);
    expect(total).toBeInstanceOf(ExecutorUnavailableError);
    // Full is not unreachable: RELAY_QUEUE_FALLBACK=local must not run it in the relay instead.
    expect(total).toMatchObject({
      perCaller: false,
      unreachable: false,
      message: expect.stringContaining("full"),
    });
    const results = await Promise.all([blocker, ...queued]);
    expect(results.map((result) => result.success)).toEqual([false, true, true, true]);
  });

  it("refuses as unreachable (never queued) when its Redis connection drops, whenever the close is noticed", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    // A TCP relay in front of the shared Redis, so that this test can cut only its own connections.
    const target = new URL(REDIS_URL);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as AddressInfo).port;
    const executor = createQueueExecutor({
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix,
      requireWorkers: false,
    });
    opened.push(executor);
    await executor.ready();
    proxy.close();
    for (const socket of sockets) socket.destroy();
    const outcomes = await Promise.all(
      [0, 5, 50, 500].map(async (delayMs) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return executor
          .execute(await task("calculator", [1, 1], { requestId: `down-${delayMs}` }))
          .catch((error: unknown) => error);
      }),
    );
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(ExecutorUnavailableError);
      expect(outcome).toMatchObject({ unreachable: true, perCaller: false });
    }
  });

  it("withdraws a job that has not started within startWithinMs: removed, never run, ExecutorUnavailableError", async () => {
    const { executor } = await setUp();
    const blocker = executor.execute(
      await task("spin", [], { requestId: "blocker", policy: { ...policy, max_time: 3000 } }),
    );
    await expect.poll(() => executor.stats().busy, { timeout: 10_000 }).toBe(1);
    const events: ExecutorEvent[] = [];
    const late = await executor
      .execute(await task("calculator", [2, 3], { requestId: "late", userId: "b" }), {
        startWithinMs: 300,
        onEvent: (event) => events.push(event),
      })
      .catch((error: unknown) => error);
    expect(late).toBeInstanceOf(ExecutorUnavailableError);
    expect(late).toMatchObject({ perCaller: false, unreachable: false });
    expect((late as Error).message).toMatch(/idempotency lease/);
    expect(events.some((event) => event.type === "started")).toBe(false);
    await expect.poll(() => executor.stats().queued, { timeout: 5000 }).toBe(0);
    expect((await blocker).success).toBe(false);
    // A job that starts within its bound runs as usual.
    await expect(
      executor.execute(await task("calculator", [2, 3], { requestId: "in-time" }), {
        startWithinMs: 5000,
      }),
    ).resolves.toMatchObject({ success: true, output: 5 });
  });

  it("a worker refuses a job taken past its start bound when the relay that queued it is gone: failed, never run", async () => {
    const { executor, prefix } = await setUp();
    const blocker = executor.execute(
      await task("spin", [], { requestId: "blocker", policy: { ...policy, max_time: 2000 } }),
    );
    await expect.poll(() => executor.stats().busy, { timeout: 10_000 }).toBe(1);
    // Another relay queues a job with a 300 ms bound and is gone before it could withdraw it.
    const gone = createQueueExecutor({ redisUrl: REDIS_URL, prefix, snapshotIntervalMs: 200 });
    await gone.ready();
    const orphan = gone
      .execute(await task("calculator", [2, 3], { requestId: "orphan", userId: "b" }), {
        startWithinMs: 300,
      })
      .catch((error: unknown) => error);
    await expect.poll(() => executor.stats().queued, { timeout: 5000 }).toBe(1);
    await gone.close();
    expect(await orphan).toBeInstanceOf(ExecutorUnavailableError);
    expect((await blocker).success).toBe(false);
    const layout = queueLayout({ prefix });
    const inspect = new Queue(layout.queueName, { connection: { url: REDIS_URL }, prefix });
    try {
      await expect
        .poll(async () => (await inspect.getFailed()).map((job) => job.failedReason), {
          timeout: 10_000,
        })
        .toEqual([expect.stringContaining("refused, not run")]);
      const [failed] = await inspect.getFailed();
      expect(failed!.data.requestId).toBe("orphan");
      expect(failed!.returnvalue).toBeFalsy();
    } finally {
      await inspect.close();
    }
  });

  it("cancels a waiting job (removed from the queue) and a running one (its worker stops it)", async () => {
    const { executor } = await setUp();
    const running = new AbortController();
    const waiting = new AbortController();
    let started = false;
    const first = executor.execute(await task("spin", [], { requestId: "spin" }), {
      signal: running.signal,
      onEvent: (event) => {
        if (event.type === "started") started = true;
      },
    });
    await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
    const second = executor.execute(await task("calculator", [1, 2]), { signal: waiting.signal });
    await expect.poll(() => executor.stats().queued, { timeout: 5000 }).toBe(1);
    waiting.abort();
    expect(await second).toMatchObject({ success: false, error: { code: "cancelled" } });
    await expect.poll(() => executor.stats().queued, { timeout: 5000 }).toBe(0);
    const before = performance.now();
    running.abort();
    expect(await first).toMatchObject({ success: false, error: { code: "cancelled" } });
    // The worker is free again well before the spin's max_time (5 s) would have ended it.
    const next = await executor.execute(await task("calculator", [2, 2]));
    expect(next).toMatchObject({ success: true, output: 4 });
    expect(performance.now() - before).toBeLessThan(3000);
  });
});
