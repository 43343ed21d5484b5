import { spawn } from "node:child_process";
import { once } from "node:events";
import type { IdempotencyRecord } from "@wasm-relay/core";
import { scopeIdempotencyKey } from "@wasm-relay/core";
import { idempotencyStoreConformance } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { bundleForChildProcess } from "../../test/redis/bundle-for-child-process.js";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import { createRedisIdempotencyStore } from "./redis-idempotency-store.js";

const located = await locateRedis();

const record = (fingerprint: string, output: string): IdempotencyRecord => ({
  fingerprint,
  response: {
    success: true,
    request_id: "b".repeat(64),
    output,
    gas_used: 7,
    duration: 2.25,
    executed_at: "2026-01-01T00:00:00.000Z",
  },
});

describe.skipIf(!located)("Redis idempotency store", () => {
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  afterAll(async () => {
    redis.disconnect();
    await located?.release();
  });

  idempotencyStoreConformance({
    name: "redis",
    create: () => createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("conformance") }),
  });

  it("takes the lease with a PX expiry under <prefix>idempotency:<key>, then keeps the record for its TTL", async () => {
    const keyPrefix = testKeyPrefix("layout");
    const store = createRedisIdempotencyStore({ redis, keyPrefix });
    const begun = await store.begin("k", "f1", 5_000);
    if (begun.state !== "acquired") throw new Error("expected the lease");
    const leaseTtl = await redis.pttl(`${keyPrefix}idempotency:k`);
    expect(leaseTtl).toBeGreaterThan(4_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
    expect(await store.complete("k", begun.leaseToken, record("f1", "x"), 60_000)).toBe(true);
    const recordTtl = await redis.pttl(`${keyPrefix}idempotency:k`);
    expect(recordTtl).toBeGreaterThan(59_000);
    expect(await store.complete("k", begun.leaseToken, record("f1", "y"), 60_000)).toBe(false);
    expect(await store.begin("k", "f1", 5_000)).toEqual({
      state: "completed",
      record: record("f1", "x"),
    });
  });

  it("keeps records whose text holds newlines, quotes and non-ASCII intact", async () => {
    const store = createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("text") });
    const begun = await store.begin("k\nwith newline", "f\n1", 5_000);
    if (begun.state !== "acquired") throw new Error("expected the lease");
    expect(await store.begin("k\nwith newline", "other", 5_000)).toEqual({
      state: "in_progress",
      fingerprint: "f\n1",
    });
    const tricky = record("f\n1", 'line\n"quoted" – ünïcødé 🚀');
    expect(await store.complete("k\nwith newline", begun.leaseToken, tricky, 5_000)).toBe(true);
    expect(await store.begin("k\nwith newline", "f\n1", 5_000)).toEqual({
      state: "completed",
      record: tricky,
    });
  });

  it("keeps users apart: another user's scoped key neither sees nor blocks the first", async () => {
    const store = createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("users") });
    const alice = scopeIdempotencyKey("alice", "order-1");
    const bob = scopeIdempotencyKey("bob", "order-1");
    const begun = await store.begin(alice, "fa", 5_000);
    if (begun.state !== "acquired") throw new Error("expected the lease");
    expect(await store.complete(alice, begun.leaseToken, record("fa", "alice's"), 5_000)).toBe(
      true,
    );
    expect((await store.begin(bob, "fb", 5_000)).state).toBe("acquired");
    const other = createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("users") });
    expect((await other.begin(alice, "fa", 5_000)).state).toBe("acquired");
  });

  it("refuses a release or completion with a foreign token, leaving the lease in place", async () => {
    const store = createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("foreign") });
    const begun = await store.begin("k", "f1", 5_000);
    if (begun.state !== "acquired") throw new Error("expected the lease");
    await store.release("k", "not-the-token");
    await store.release("k", "");
    expect(await store.complete("k", "", record("f1", "x"), 5_000)).toBe(false);
    expect(await store.begin("k", "f1", 5_000)).toEqual({
      state: "in_progress",
      fingerprint: "f1",
    });
  });

  it("rejects a duration that is not a positive number with a RangeError naming it", async () => {
    const store = createRedisIdempotencyStore({ redis, keyPrefix: testKeyPrefix("bad") });
    await expect(store.begin("k", "f1", 0)).rejects.toThrow(/leaseMs must be a positive/);
    await expect(store.begin("k", "f1", Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.complete("k", "t", record("f1", "x"), -5)).rejects.toThrow(
      /ttlMs must be a positive/,
    );
  });

  it("lets the lease of a killed holder process expire, then the next request runs; the dead holder's token is void", async () => {
    const keyPrefix = testKeyPrefix("killed");
    const holderScript = await bundleForChildProcess(
      new URL("../../test/redis/hold-idempotency-lease.ts", import.meta.url),
    );
    const holder = spawn(process.execPath, [holderScript], {
      env: {
        ...process.env,
        REDIS_URL: located?.url,
        KEY_PREFIX: keyPrefix,
        KEY: "k",
        LEASE_MS: "1500",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [firstLine] = (await once(holder.stdout!, "data")) as [Buffer];
    const held = JSON.parse(firstLine.toString()) as { state: string; leaseToken: string };
    expect(held.state).toBe("acquired");
    holder.kill("SIGKILL");
    await once(holder, "exit");

    const store = createRedisIdempotencyStore({ redis, keyPrefix });
    expect(await store.begin("k", "fingerprint-of-the-holder", 5_000)).toEqual({
      state: "in_progress",
      fingerprint: "fingerprint-of-the-holder",
    });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const next = await store.begin("k", "fingerprint-of-the-holder", 5_000);
    expect(next.state).toBe("acquired");
    expect(await store.complete("k", held.leaseToken, record("stale", "x"), 5_000)).toBe(false);
    if (next.state !== "acquired") throw new Error("expected the lease");
    expect(await store.complete("k", next.leaseToken, record("fresh", "y"), 5_000)).toBe(true);
    expect(await store.begin("k", "fresh", 5_000)).toEqual({
      state: "completed",
      record: record("fresh", "y"),
    });
  });
});
