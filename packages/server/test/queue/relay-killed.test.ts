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

describe("RELAY_EXECUTOR=queue: a relay killed while its caller waits", () => {
  it("the job completes on its worker and is recorded; the retry with the same key is a replay", async () => {
    const env = queueEnvironment();
    prefixes.push(env.REDIS_KEY_PREFIX!);
    await startWorker(env, "worker-a");
    const first = await startRelay(env, "relay-1");
    const events: StreamedEvent[] = [];
    const stream = new AbortController();
    await followEvents(first.url, "carol", events, stream.signal);
    const body = {
      cid: "glyph://spin@quantum",
      inputs: [],
      policy: { max_time: 2000, max_gas: 1e15 },
    };
    const waiting = execute(first.url, "carol", body, { "Idempotency-Key": "relay-dies" }).then(
      () => "answered",
      () => "connection lost",
    );
    await expect
      .poll(() => events.some((event) => event.type === "execution_started"), { timeout: 30_000 })
      .toBe(true);
    stream.abort();
    first.process.child.kill("SIGKILL");
    expect(await waiting).toBe("connection lost");

    // The worker records the result under the dead relay's lease.
    const redis = new Redis(REDIS_URL);
    const recorded = async () => {
      const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}idempotency:*`);
      const values = await Promise.all(keys.map((key) => redis.get(key)));
      return values.filter((value) => value?.startsWith("C")).length;
    };
    await expect.poll(recorded, { timeout: 20_000, interval: 200 }).toBe(1);
    redis.disconnect();

    const second = await startRelay(env, "relay-2");
    const retry = await execute(second.url, "carol", body, { "Idempotency-Key": "relay-dies" });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toMatchObject({ success: false, error: { code: "timeout" } });
  }, 90_000);
});
