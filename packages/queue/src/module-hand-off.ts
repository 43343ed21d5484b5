import { rawCid } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import type { QueueLayout } from "./queue-layout.js";

/** How long module bytes handed off stay in Redis after the last job that needed them. @unit milliseconds */
export const DEFAULT_HAND_OFF_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The relay's side of the module hand-off: puts the verified bytes of a module in Redis under
 * its CID before a job naming it is queued, so that a worker on any machine can fetch them even
 * when the module came from an upload held only in this relay's memory. Each CID is written at
 * most once per half TTL per relay (a job carries the CID, never the bytes).
 */
export interface ModuleHandOff {
  /**
   * Makes sure Redis holds `bytes` under `cid` for at least half the TTL.
   * @throws the Redis client's error (the job is then not queued).
   */
  offer(cid: string, bytes: Uint8Array): Promise<void>;
}

/** Creates the relay side of the module hand-off. */
export function createModuleHandOff(options: {
  redis: Pick<Redis, "set">;
  layout: QueueLayout;
  /** @unit milliseconds @default 86400000 */
  ttlMs?: number;
}): ModuleHandOff {
  const ttlMs = options.ttlMs ?? DEFAULT_HAND_OFF_TTL_MS;
  const offered = new LRUCache<string, number>({ max: 10_000 });
  return {
    async offer(cid, bytes) {
      const at = offered.get(cid);
      const now = Date.now();
      if (at !== undefined && now - at < ttlMs / 2) return;
      await options.redis.set(
        options.layout.moduleKey(cid),
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        "PX",
        ttlMs,
      );
      offered.set(cid, now);
    },
  };
}

/** Thrown by a {@link ModuleLoader} when no source holds bytes that match the CID. */
export class ModuleUnavailableError extends Error {
  override readonly name = "ModuleUnavailableError";
  constructor(readonly cid: string) {
    super(`no module source holds verified bytes for ${cid}`);
  }
}

/** The worker's side: module bytes by CID, verified, kept in a bounded cache. */
export interface ModuleLoader {
  /**
   * @returns the bytes whose CIDv1 (raw) is `cid`.
   * @throws {@link ModuleUnavailableError} when neither the cache, the hand-off nor the extra
   *   source has bytes matching `cid` (bytes that do not match are never returned).
   */
  load(cid: string): Promise<Uint8Array>;
}

/** Options of {@link createModuleLoader}. */
export interface ModuleLoaderOptions {
  redis: Pick<Redis, "getBuffer">;
  layout: QueueLayout;
  /**
   * Another source tried after the hand-off (the server's module store, module directory and
   * gateways). Its bytes are verified too.
   */
  fallback?: ((cid: string) => Promise<Uint8Array | undefined>) | undefined;
  /** Budget of the cache of verified bytes. @unit bytes @default 67108864 */
  cacheBytes?: number | undefined;
}

/** Creates the worker side of the module hand-off. */
export function createModuleLoader(options: ModuleLoaderOptions): ModuleLoader {
  const cache = new LRUCache<string, Uint8Array>({
    maxSize: Math.max(1, options.cacheBytes ?? 64 * 1024 * 1024),
    sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
  });
  const verified = async (cid: string, bytes: Uint8Array | null | undefined) =>
    bytes && (await rawCid(bytes)) === cid ? bytes : undefined;
  return {
    async load(cid) {
      const cached = cache.get(cid);
      if (cached) return cached;
      const handed = await options.redis.getBuffer(options.layout.moduleKey(cid));
      const bytes =
        (await verified(cid, handed ? new Uint8Array(handed) : undefined)) ??
        (await verified(cid, await options.fallback?.(cid)));
      if (!bytes) throw new ModuleUnavailableError(cid);
      cache.set(cid, bytes);
      return bytes;
    },
  };
}
