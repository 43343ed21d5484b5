import { LRUCache } from "lru-cache";
import type { Clock } from "../ports/clock.js";
import { systemClock } from "../ports/clock.js";
import type { ResultCache, ResultCacheRecord } from "../ports/result-cache.js";
import { utf8Length } from "../text/utf8-length.js";

/** Options of {@link createMemoryResultCache}. */
export interface MemoryResultCacheOptions {
  /**
   * Most bytes of records kept (each counted as the UTF-8 length of its JSON plus its key);
   * the least recently used go first, and a record larger than this is not kept. A positive
   * integer. @unit bytes @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /** Time source of TTLs and claims. @default systemClock */
  clock?: Clock;
}

// The record is kept as its JSON text: one serialisation measures it and copies it (a stored
// record cannot change under the cache), and a miss-only workload pays no deep copy.
interface Entry {
  text: string;
  expiresAt: number;
}

/**
 * In-process {@link ResultCache}: records in an LRU bounded by bytes, each with its TTL; claims
 * in a map that forgets expired ones.
 * @throws TypeError when `maxBytes` is not a positive integer
 */
export function createMemoryResultCache(options: MemoryResultCacheOptions = {}): ResultCache {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TypeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }
  const clock = options.clock ?? systemClock;
  const records = new LRUCache<string, Entry>({ maxSize: maxBytes });
  const claims = new Map<string, { token: string; expiresAt: number }>();
  let counter = 0;
  return {
    async get(key) {
      const entry = records.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= clock.now()) {
        records.delete(key);
        return undefined;
      }
      return JSON.parse(entry.text) as ResultCacheRecord;
    },
    async set(key, record, ttlMs) {
      const text = JSON.stringify(record);
      const size = utf8Length(text) + key.length;
      if (size > maxBytes || ttlMs <= 0) {
        records.delete(key);
        return;
      }
      records.set(key, { text, expiresAt: clock.now() + ttlMs }, { size });
    },
    async claim(key, holdMs) {
      const now = clock.now();
      const held = claims.get(key);
      if (held && held.expiresAt > now) return undefined;
      counter += 1;
      const token = `${now.toString(36)}-${counter.toString(36)}`;
      claims.set(key, { token, expiresAt: now + holdMs });
      // Forget expired claims now and then so that abandoned ones cannot pile up.
      if (claims.size > 1024) {
        for (const [other, claim] of claims) if (claim.expiresAt <= now) claims.delete(other);
      }
      return token;
    },
    async release(key, token) {
      if (claims.get(key)?.token === token) claims.delete(key);
    },
  };
}
