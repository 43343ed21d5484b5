import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  deleteKeys,
  execute,
  followEvents,
  queueEnvironment,
  type StreamedEvent,
  startRelay,
  startWorker,
  stopProcesses,
} from "./queue-processes.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const prefixes: string[] = [];
afterEach(async () => {
  await stopProcesses();
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(prefix)));
});

const spin = { cid: "glyph://spin@quantum", inputs: [], policy: { max_time: 4000, max_gas: 1e15 } };
const calculator = (a: number) => ({ cid: "glyph://calculator@quantum", inputs: [a, 1] });

describe("RELAY_EXECUTOR=queue surface", () => {
  it("refuses to start without REDIS_URL, naming the variable; `relay-server worker --help` explains the worker", () => {
    const failed = spawnSync(process.execPath, [cli], {
      env: { PATH: process.env.PATH, RELAY_EXECUTOR: "queue", PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(failed.status).toBe(78);
    expect(failed.stderr).toContain("RELAY_EXECUTOR: queue requires REDIS_URL");
    const help = spawnSync(process.execPath, [cli, "worker", "--help"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("relay-server worker");
    expect(help.stdout).toContain("RELAY_NODE_NAME");
    const top = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(top.stdout).toContain("relay-server worker");
  });

  it("admission: 429 past RELAY_QUEUE_MAX_PER_USER, 503 past RELAY_QUEUE_MAX, both with Retry-After; real positions; metrics", async () => {
    const env: Record<string, string> = {
      ...queueEnvironment(),
      RELAY_QUEUE_MAX: "2",
      RELAY_QUEUE_MAX_PER_USER: "1",
    };
    prefixes.push(env.REDIS_KEY_PREFIX!);
    await startWorker(env, "worker-a");
    const relay = await startRelay(env);
    const events: StreamedEvent[] = [];
    const stream = new AbortController();
    await followEvents(relay.url, "yves", events, stream.signal);
    await followEvents(relay.url, "zoe", events, stream.signal);
    const blocker = execute(relay.url, "xavier", spin);
    const health = async () =>
      (
        (await (await fetch(`${relay.url}/intent/execute-wasm/health`)).json()) as {
          queue?: { depth: number; oldest_job_age: number; workers_online: number };
        }
      ).queue;
    await expect.poll(async () => (await health())?.workers_online, { timeout: 10_000 }).toBe(1);
    // The blocker runs; everything after it waits.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const yves = execute(relay.url, "yves", calculator(1));
    await expect.poll(async () => (await health())?.depth, { timeout: 5000 }).toBe(1);
    const perUser = await execute(relay.url, "yves", calculator(2));
    expect(perUser.status).toBe(429);
    expect(perUser.headers.get("retry-after")).toBe("1");
    expect(perUser.body).toMatchObject({ type: expect.stringMatching(/queue-quota-exceeded$/) });
    const zoe = execute(relay.url, "zoe", calculator(3));
    await expect.poll(async () => (await health())?.depth, { timeout: 5000 }).toBe(2);
    const full = await execute(relay.url, "walt", calculator(4));
    expect(full.status).toBe(503);
    expect(full.headers.get("retry-after")).toBe("1");
    expect(full.body.detail).toMatch(/queue is full/);
    expect((await health())?.oldest_job_age).toBeGreaterThan(0);

    const answers = await Promise.all([blocker, yves, zoe]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    stream.abort();
    const positions = events
      .filter((event) => event.type === "execution_queued")
      .map((event) => event.position);
    // yves's and zoe's jobs waited 1st and 2nd; yves's refused one was never queued (0).
    expect(positions.sort()).toEqual([0, 1, 2]);

    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/relay_queue_wait_seconds_count\{priority="normal"\} 3/);
    expect(metrics).toMatch(/relay_queue_run_seconds_count\{priority="normal"\} 3/);
    expect(metrics).toMatch(/relay_queue_workers_online 1/);
    expect(metrics).toMatch(/relay_queue_jobs\{state="completed"\} \d/);
  }, 90_000);
});
