import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  deleteKeys,
  execute,
  queueEnvironment,
  REDIS_URL,
  startRelay,
  startWorker,
  stopProcesses,
} from "./queue-processes.js";

const prefixes: string[] = [];
afterEach(async () => {
  await stopProcesses();
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(prefix)));
});

interface FinishedJob {
  user: string;
  queuedAt: number;
  startedAt: number;
  fairTag: number;
}

/** Every job of the test's queue, read from BullMQ's job hashes. */
async function finishedJobs(prefix: string): Promise<FinishedJob[]> {
  const redis = new Redis(REDIS_URL);
  const jobs: FinishedJob[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(
      cursor,
      "MATCH",
      `${prefix}queue:executions:*-*-*-*-*`,
      "COUNT",
      1000,
    );
    cursor = next;
    for (const key of keys) {
      if (!/:[0-9a-f-]{36}$/.test(key)) continue;
      const [data, processedOn] = await redis.hmget(key, "data", "processedOn");
      if (!data || !processedOn) continue;
      const parsed = JSON.parse(data) as { userId: string; queuedAt: number; fairTag: number };
      jobs.push({
        user: parsed.userId,
        queuedAt: parsed.queuedAt,
        startedAt: Number(processedOn),
        fairTag: parsed.fairTag,
      });
    }
  } while (cursor !== "0");
  redis.disconnect();
  return jobs;
}

describe("RELAY_EXECUTOR=queue fair shares", () => {
  it("2 workers, user A with a backlog of 200: B's j-th job starts after at most j + 1 of A's jobs", async () => {
    const env = queueEnvironment();
    prefixes.push(env.REDIS_KEY_PREFIX!);
    await startWorker(env, "worker-a");
    await startWorker(env, "worker-b");
    const relay = await startRelay(env);
    // About 40 ms of CPU each: the backlog lasts seconds.
    const job = (i: number) => ({
      cid: "glyph://busy@quantum",
      inputs: [50_000_000 + i],
      policy: { max_gas: 1_000_000_000 },
    });
    const backlog = Array.from({ length: 200 }, (_, i) => execute(relay.url, "user-a", job(i)));
    await expect
      .poll(
        async () => {
          const response = await fetch(`${relay.url}/intent/execute-wasm/health`);
          return ((await response.json()) as { queue?: { depth: number } }).queue?.depth ?? 0;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(150);
    const newcomer = Array.from({ length: 10 }, (_, i) =>
      execute(relay.url, "user-b", job(1000 + i)),
    );
    const answers = await Promise.all([...backlog, ...newcomer]);
    expect(answers.every((answer) => answer.status === 200 && answer.body.success === true)).toBe(
      true,
    );

    const jobs = await finishedJobs(env.REDIS_KEY_PREFIX!);
    expect(jobs).toHaveLength(210);
    const others = jobs.filter((each) => each.user === "user-a");
    // B's jobs in B's own order (its lane), and A's starts counted from B's first arrival.
    const mine = jobs
      .filter((each) => each.user === "user-b")
      .sort((x, y) => x.fairTag - y.fairTag);
    const arrival = Math.min(...mine.map((each) => each.queuedAt));
    const slots = mine.map(
      (each) =>
        others.filter((other) => other.startedAt > arrival && other.startedAt < each.startedAt)
          .length,
    );
    console.info(`fair shares: A's jobs started ahead of B's j-th job: ${slots.join(", ")}`);
    for (const [index, count] of slots.entries()) expect(count).toBeLessThanOrEqual(index + 2);
    // First come, first served would have run A's whole remaining backlog first.
    const lastOfMine = mine.at(-1)!.startedAt;
    expect(others.filter((other) => other.startedAt > lastOfMine).length).toBeGreaterThanOrEqual(
      100,
    );
  }, 180_000);
});
