import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  deleteKeys,
  execute,
  followEvents,
  queueEnvironment,
  REDIS_URL,
  type StreamedEvent,
  startRelay,
  startWorker,
  stopProcesses,
} from "./queue-processes.js";

const prefixes: string[] = [];
afterEach(async () => {
  await stopProcesses();
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(prefix)));
});

describe("RELAY_EXECUTOR=queue: a worker killed with kill -9 mid-run", () => {
  it("another worker reruns the job within the lock time: one answer, one record, a second execution_started", async () => {
    const env = queueEnvironment();
    prefixes.push(env.REDIS_KEY_PREFIX!);
    const workers = {
      "worker-a": await startWorker(env, "worker-a"),
      "worker-b": await startWorker(env, "worker-b"),
    };
    const relay = await startRelay(env);
    const events: StreamedEvent[] = [];
    const stream = new AbortController();
    await followEvents(relay.url, "alice", events, stream.signal);
    // spin never returns: the run ends at max_time with a timeout result, long after the kill.
    const answer = execute(
      relay.url,
      "alice",
      { cid: "glyph://spin@quantum", inputs: [], policy: { max_time: 3000, max_gas: 1e15 } },
      { "Idempotency-Key": "kill-9" },
    );
    await expect
      .poll(() => events.find((event) => event.type === "execution_started"), { timeout: 30_000 })
      .toBeDefined();
    const first = events.find((event) => event.type === "execution_started")!;
    const victim = first.executor_node!.split("/")[0] as keyof typeof workers;
    expect(Object.keys(workers)).toContain(victim);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const killedAt = Date.now();
    workers[victim].child.kill("SIGKILL");
    const response = await answer;
    const starts = events.filter((event) => event.type === "execution_started");
    stream.abort();

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: false, error: { code: "timeout" } });
    expect(starts).toHaveLength(2);
    const survivor = victim === "worker-a" ? "worker-b" : "worker-a";
    expect(starts[1]!.executor_node).toBe(`${survivor}/worker-1`);
    const recoveryMs = Date.parse(starts[1]!.timestamp) - killedAt;
    // RELAY_QUEUE_LOCK_TIME (10 s by default) bounds the recovery.
    expect(recoveryMs).toBeLessThanOrEqual(10_000);
    console.info(`kill -9 recovery: ${recoveryMs} ms (bound 10000 ms)`);
    expect(events.filter((event) => event.type === "execution_complete")).toHaveLength(1);

    // One idempotency record, replayed to the retry.
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}idempotency:*`);
    const values = await Promise.all(keys.map((key) => redis.get(key)));
    redis.disconnect();
    expect(values).toHaveLength(1);
    expect(values[0]!.startsWith("C")).toBe(true);
    const retry = await execute(
      relay.url,
      "alice",
      { cid: "glyph://spin@quantum", inputs: [], policy: { max_time: 3000, max_gas: 1e15 } },
      { "Idempotency-Key": "kill-9" },
    );
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.request_id).toBe(response.body.request_id);
  }, 90_000);

  it("a CPU-bound run longer than the lock time keeps its lock: it runs exactly once", async () => {
    const env: Record<string, string> = { ...queueEnvironment(), RELAY_QUEUE_LOCK_TIME: "1000" };
    prefixes.push(env.REDIS_KEY_PREFIX!);
    await startWorker(env, "worker-a");
    await startWorker(env, "worker-b");
    const relay = await startRelay(env);
    const events: StreamedEvent[] = [];
    const stream = new AbortController();
    await followEvents(relay.url, "bob", events, stream.signal);
    // 4 s of a busy thread against a 1 s lock time: the lock is renewed from the main thread.
    const response = await execute(relay.url, "bob", {
      cid: "glyph://spin@quantum",
      inputs: [],
      policy: { max_time: 4000, max_gas: 1e15 },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    stream.abort();
    expect(response.body).toMatchObject({ success: false, error: { code: "timeout" } });
    expect(events.filter((event) => event.type === "execution_started")).toHaveLength(1);
  }, 90_000);
});
