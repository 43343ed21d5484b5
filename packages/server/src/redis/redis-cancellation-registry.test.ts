import { cancellationRegistryConformance } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../test/redis/delete-keys-with-prefix.js";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import {
  createRedisCancellationRegistry,
  type RedisCancellationRegistry,
} from "./redis-cancellation-registry.js";

const located = await locateRedis();

describe.skipIf(!located)("Redis cancellation registry", () => {
  const redis = new Redis(located?.url ?? "");
  const connections: Redis[] = [];
  const registries: RedisCancellationRegistry[] = [];
  const prefixes: string[] = [];
  /** A registry on its own subscriber connection, as one relay process has. */
  const relayRegistry = (keyPrefix: string) => {
    const subscriber = new Redis(located?.url ?? "", { enableReadyCheck: false });
    connections.push(subscriber);
    const registry = createRedisCancellationRegistry({ redis, subscriber, keyPrefix });
    registries.push(registry);
    return registry;
  };
  const prefix = (label: string) => {
    const made = testKeyPrefix(label);
    prefixes.push(made);
    return made;
  };
  afterAll(async () => {
    await Promise.all(registries.map((registry) => registry.close()));
    for (const made of prefixes) await deleteKeysWithPrefix(redis, made);
    for (const connection of connections) connection.disconnect();
    redis.disconnect();
    await located?.release();
  });

  cancellationRegistryConformance({
    name: "redis",
    create: () => relayRegistry(prefix("conformance")),
    createPair: async () => {
      const shared = prefix("pair");
      return [relayRegistry(shared), relayRegistry(shared)];
    },
  });

  it("keeps each execution as a field of an index by request id and by scoped key, with the TTLs asked", async () => {
    const keyPrefix = prefix("layout");
    const registry = relayRegistry(keyPrefix);
    const tracked = await registry.track(
      { requestId: "r1", userId: "ada", idempotencyKey: "k1" },
      () => {},
      { runningTtlMs: 5_000, finishedTtlMs: 60_000 },
    );
    const byId = `${keyPrefix}cancellation:id:r1`;
    const byKey = `${keyPrefix}cancellation:key:3:ada:k1`;
    expect(Object.values(await redis.hgetall(byId))).toEqual(["Rr1\nada"]);
    expect(Object.values(await redis.hgetall(byKey))).toEqual(["Rr1\nada"]);
    expect(await redis.pttl(byId)).toBeLessThanOrEqual(5_000);
    await tracked.finish();
    expect(Object.values(await redis.hgetall(byId))).toEqual(["Fr1\nada"]);
    expect(await redis.pttl(byKey)).toBeGreaterThan(59_000);
  });

  it("tells the owning relay within milliseconds (median of 50 cancels across two connections, bound 100 ms)", async () => {
    const shared = prefix("latency");
    const owner = relayRegistry(shared);
    const peer = relayRegistry(shared);
    const samples: number[] = [];
    for (let round = 0; round < 50; round += 1) {
      let heard: () => void = () => {};
      const told = new Promise<void>((resolve) => {
        heard = resolve;
      });
      await owner.track({ requestId: `r${round}`, userId: "ada" }, () => heard(), {
        runningTtlMs: 10_000,
        finishedTtlMs: 10_000,
      });
      const start = performance.now();
      await peer.cancel({ id: `r${round}`, userId: "ada", anyUser: false });
      await told;
      samples.push(performance.now() - start);
    }
    samples.sort((left, right) => left - right);
    const median = samples[25]!;
    expect(median).toBeLessThan(100);
  });
});
