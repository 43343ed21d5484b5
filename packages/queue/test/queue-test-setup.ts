import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { rawCid } from "@wasm-relay/core";
import { Redis } from "ioredis";

/** The Redis the tests use (`REDIS_URL`). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix of this test's own: every key the test makes lives under it. */
export function testPrefix(): string {
  return `test:queue:${randomUUID().slice(0, 8)}`;
}

/** Deletes the keys under `prefix` (and only those). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

const examples = new URL("../../../examples/modules/dist/", import.meta.url);

/** An example module with its CIDv1 (raw). */
export async function exampleModule(name: string): Promise<{ cid: string; bytes: Uint8Array }> {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}.wasm`, examples)));
  return { cid: await rawCid(bytes), bytes };
}
