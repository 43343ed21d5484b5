import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RedisServerProcess, startRedisServer } from "../redis/redis-server-process.js";
import {
  execute,
  queueEnvironment,
  startRelay,
  startWorker,
  stopProcesses,
} from "./queue-processes.js";

let redis: RedisServerProcess;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  await stopProcesses();
  if (
    !(await redis.restart().then(
      () => true,
      () => false,
    ))
  )
    throw new Error("redis did not restart");
});

// By CID: a glyph:// name is resolved through the registry, which is on the same Redis.
const calculator = (a: number) => ({
  cid: "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva",
  inputs: [a, 1],
});

async function health(url: string) {
  const response = await fetch(`${url}/intent/execute-wasm/health`);
  return (await response.json()) as {
    status: string;
    reasons?: string[];
    queue?: Record<string, number>;
  };
}

describe("RELAY_EXECUTOR=queue with Redis down (own redis-server)", () => {
  it("answers 503 with Retry-After, health says why, and work resumes when Redis returns", async () => {
    const env = queueEnvironment(redis.url);
    await startWorker(env, "worker-a");
    const relay = await startRelay(env);
    await expect
      .poll(async () => (await health(relay.url)).queue?.workers_online, { timeout: 10_000 })
      .toBe(1);
    expect(await execute(relay.url, "dave", calculator(1))).toMatchObject({
      status: 200,
      body: { output: 2 },
    });

    await redis.kill();
    const refused = await execute(relay.url, "dave", calculator(2));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/executor-unavailable$/) });
    const down = await health(relay.url);
    expect(down.status).toBe("unhealthy");
    expect(down.reasons?.join("\n")).toMatch(/queue: Redis is unavailable/);

    await redis.restart();
    await expect
      .poll(async () => (await execute(relay.url, "dave", calculator(3))).status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(200);
    expect(await execute(relay.url, "dave", calculator(4))).toMatchObject({ body: { output: 5 } });
    await expect
      .poll(async () => (await health(relay.url)).status, { timeout: 10_000 })
      .toBe("healthy");
  }, 120_000);

  it("with RELAY_QUEUE_FALLBACK=local runs in the relay while Redis is down, and health says degraded", async () => {
    const env = { ...queueEnvironment(redis.url), RELAY_QUEUE_FALLBACK: "local" };
    await startWorker(env, "worker-a");
    const relay = await startRelay(env);
    await expect
      .poll(async () => (await health(relay.url)).queue?.workers_online, { timeout: 10_000 })
      .toBe(1);
    await redis.kill();
    expect(await execute(relay.url, "erin", calculator(6))).toMatchObject({
      status: 200,
      body: { output: 7 },
    });
    const degraded = await health(relay.url);
    expect(degraded.status).toBe("degraded");
    expect(degraded.reasons?.join("\n")).toMatch(/RELAY_QUEUE_FALLBACK=local/);
  }, 120_000);
});
