import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { numericModule } from "../modules/wasm-fixtures.js";
import { canStartRedisServer } from "../redis/locate-redis.js";
import { type RedisServerProcess, startRedisServer } from "../redis/redis-server-process.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";

const mallory = { user_id: "mallory" };

async function publish(url: string, name: string, tag: string, cid: string) {
  const response = await fetch(`${url}/glyphs/${name}/${tag}`, {
    method: "PUT",
    headers: { ...mallory, "content-type": "application/json" },
    body: JSON.stringify({ cid }),
  });
  await response.body?.cancel();
  return response.status;
}

async function upload(url: string, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const response = await fetch(`${url}/modules`, {
    method: "POST",
    headers: { ...mallory, "content-type": "application/wasm" },
    body: bytes,
  });
  return ((await response.json()) as { cid: string }).cid;
}

async function record(url: string) {
  const response = await fetch(`${url}/glyphs/calculator`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  return (await response.json()) as { owner: string; tags: Record<string, string> };
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!canStartRedisServer())(
  "operator names survive a Redis restart (issue 12, item 10)",
  () => {
    let redis: RedisServerProcess;
    const prefix = testKeyPrefix("operator-names");
    let env: Record<string, string>;
    let relay: Awaited<ReturnType<typeof startRelayServer>>;
    let seededCid: string;
    let hijackCid: string;

    beforeAll(async () => {
      redis = await startRedisServer();
      env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, RELAY_WORKERS: "1" };
      relay = await startRelayServer({ env });
      seededCid = (await record(relay.url))!.tags.quantum!;
      hijackCid = await upload(relay.url, numericModule("sub", 0, 666));
    });
    afterAll(async () => {
      await relay?.close();
      await redis?.stop();
    });

    it("after a restart of Redis nobody can claim calculator, and the relay seeds it again", async () => {
      await redis.restart();
      // Until the relay's Redis client is back the registry answers 5xx; then the claim is judged.
      const status = await eventually(
        () => publish(relay.url, "calculator", "quantum", hijackCid),
        (answer) => answer < 500,
      );
      expect(status).toBe(403);
      const restored = await eventually(
        () => record(relay.url),
        (value) => value?.tags.quantum === seededCid,
      );
      expect(restored).toMatchObject({ owner: "relay:operator", tags: { quantum: seededCid } });
    });

    it("a relay restart gives a hijacked name back to the operator", async () => {
      await relay.close();
      const client = new Redis(redis.url);
      try {
        await client.set(`${prefix}glyph:calculator:owner`, "mallory");
        await client.del(`${prefix}glyph:calculator:tags`);
        await client.hset(
          `${prefix}glyph:calculator:tags`,
          "quantum",
          hijackCid,
          "evil",
          hijackCid,
        );
      } finally {
        client.disconnect();
      }
      relay = await startRelayServer({ env });
      const restored = await record(relay.url);
      expect(restored?.owner).toBe("relay:operator");
      expect(restored?.tags.quantum).toBe(seededCid);
      expect(restored?.tags.evil).toBeUndefined();
    });
  },
);
