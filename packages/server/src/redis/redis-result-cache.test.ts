import { resultCacheConformance } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisResultCache } from "./redis-result-cache.js";

const located = await locateRedis();

describe.skipIf(!located)("Redis result cache", () => {
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  afterAll(async () => {
    redis.disconnect();
    await located?.release();
  });

  resultCacheConformance({
    name: "redis",
    create: () => createRedisResultCache({ redis, keyPrefix: testKeyPrefix("result-cache") }),
  });

  it("keeps a record under <prefix>result:<key> with its TTL, and a claim beside it", async () => {
    const keyPrefix = testKeyPrefix("result-layout");
    const cache = createRedisResultCache({ redis, keyPrefix });
    await cache.set("q", {}, 60_000);
    const ttl = await redis.pttl(`${keyPrefix}result:q`);
    expect(ttl).toBeGreaterThan(59_000);
    const token = await cache.claim("q", 5_000);
    expect(await redis.get(`${keyPrefix}result-claim:q`)).toBe(token);
    await cache.release("q", token as string);
    expect(await redis.exists(`${keyPrefix}result-claim:q`)).toBe(0);
    await redis.del(`${keyPrefix}result:q`);
  });
});
