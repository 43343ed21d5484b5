import { createServer } from "node:net";
import { createMemoryCancellationRegistry } from "@wasm-relay/core";
import { cancellationRegistryConformance } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../test/redis/delete-keys-with-prefix.js";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisClient } from "../redis/create-redis-client.js";
import { createRedisCancellationRegistry } from "../redis/redis-cancellation-registry.js";
import { withLocalCancellationFallback } from "./local-cancellation-fallback.js";

const located = await locateRedis();
const ttl = { runningTtlMs: 10_000, finishedTtlMs: 10_000 };

/** A port nothing listens on: a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("cancellation with a local fallback, Redis down", async () => {
  const port = await closedPort();
  const down = createRedisClient(`redis://127.0.0.1:${port}`);
  const subscriber = createRedisClient(`redis://127.0.0.1:${port}`);
  afterAll(() => {
    down.disconnect();
    subscriber.disconnect();
  });
  const shared = createRedisCancellationRegistry({ redis: down, subscriber });

  it("tracks in this relay, counts the shared failure, and cancels what runs here", async () => {
    const failures: unknown[] = [];
    const registry = withLocalCancellationFallback({
      shared,
      onSharedFailure: (error) => failures.push(error),
    });
    let calls = 0;
    const tracked = await registry.track({ requestId: "r1", userId: "ada" }, () => calls++, ttl);
    expect(failures).toHaveLength(1);
    expect(await registry.cancel({ id: "r1", userId: "ada", anyUser: false })).toEqual({
      state: "cancelling",
      requestIds: ["r1"],
    });
    expect(calls).toBe(1);
    await tracked.finish().catch(() => undefined);
  });

  it("throws the shared failure for an id nothing here runs under (the route answers 503)", async () => {
    const registry = withLocalCancellationFallback({ shared });
    await expect(
      registry.cancel({ id: "elsewhere", userId: "ada", anyUser: false }),
    ).rejects.toThrow();
  });
});

describe.skipIf(!located)("cancellation with a local fallback, Redis up", () => {
  const redis = new Redis(located?.url ?? "");
  const subscribers: Redis[] = [];
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    for (const subscriber of subscribers) subscriber.disconnect();
    redis.disconnect();
    await located?.release();
  });
  const relay = (keyPrefix: string) => {
    const subscriber = new Redis(located?.url ?? "", { enableReadyCheck: false });
    subscribers.push(subscriber);
    return withLocalCancellationFallback({
      shared: createRedisCancellationRegistry({ redis, subscriber, keyPrefix }),
      local: createMemoryCancellationRegistry(),
    });
  };
  const prefix = () => {
    const made = testKeyPrefix("fallback");
    prefixes.push(made);
    return made;
  };

  cancellationRegistryConformance({
    name: "redis with a local fallback",
    create: () => relay(prefix()),
    createPair: async () => {
      const shared = prefix();
      return [relay(shared), relay(shared)];
    },
  });
});
