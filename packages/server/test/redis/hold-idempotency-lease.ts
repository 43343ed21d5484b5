// Child process of the lease-expiry test: takes a lease through the real Redis adapter, says so
// on stdout, then holds it (runs nothing, completes nothing) until it is killed.
import { Redis } from "ioredis";
import { createRedisIdempotencyStore } from "../../src/redis/redis-idempotency-store.js";

const { REDIS_URL, KEY_PREFIX, KEY, LEASE_MS } = process.env;
const redis = new Redis(REDIS_URL ?? "");
const store = createRedisIdempotencyStore({ redis, keyPrefix: KEY_PREFIX ?? "" });
const begun = await store.begin(KEY ?? "", "fingerprint-of-the-holder", Number(LEASE_MS));
process.stdout.write(`${JSON.stringify(begun)}\n`);
setInterval(() => {}, 60_000);
