import { LRUCache } from "lru-cache";

/** Options of {@link createDecisionCache}. */
export interface DecisionCacheOptions {
  /**
   * How long a value is reused (while its age is at most this); 0 disables caching (concurrent
   * calls still share one load). @unit milliseconds
   */
  ttlMs: number;
  /** Most entries kept, loads in flight included (least recently used go first). @default 10000 */
  capacity?: number;
  /** Current time. @unit milliseconds @default Date.now */
  now?: () => number;
}

/** A short-lived cache of answers by key, that also shares one load among concurrent callers. */
export interface DecisionCache<V> {
  /**
   * The cached value of `key`, or the result of `load` (cached for the TTL when `keep` says so).
   * Concurrent calls for the same key share one `load`; a rejected load is never cached and
   * rejects every call that shared it.
   */
  get(key: string, load: () => Promise<{ value: V; keep: boolean }>): Promise<V>;
}

type Loaded<V> = { value: V; keep: boolean };
type Load<V> = () => Promise<Loaded<V>>;

/**
 * Creates a {@link DecisionCache} over lru-cache: `max` bounds the entries, `ttl` their age, and
 * `fetchMethod` shares one load among concurrent callers. lru-cache stores whatever a fetch
 * resolves to, so a value not to keep (or any value when `ttlMs` is 0) is stored as the shared
 * answer and removed as soon as its callers have it.
 * @throws TypeError when `capacity` is not a positive integer
 */
export function createDecisionCache<V>(options: DecisionCacheOptions): DecisionCache<V> {
  const ttlMs = options.ttlMs > 0 ? Math.ceil(options.ttlMs) : 0;
  const now = options.now ?? Date.now;
  const entries = new LRUCache<string, Loaded<V>, Load<V>>({
    max: options.capacity ?? 10_000,
    ttl: ttlMs,
    // Read the clock on every check (no cached time), so an injected clock is exact.
    ttlResolution: 0,
    perf: { now },
    // A load evicted while in flight still answers the callers that wait for it.
    ignoreFetchAbort: true,
    fetchMethod: async (_key, _stale, { context }) => {
      const loaded = await context();
      return { value: loaded.value, keep: loaded.keep && ttlMs > 0 };
    },
  });
  return {
    async get(key, load) {
      // Never undefined: the fetchMethod always resolves to an entry, and aborts are ignored.
      const loaded = (await entries.fetch(key, { context: load })) as Loaded<V>;
      if (!loaded.keep && entries.peek(key) === loaded) entries.delete(key);
      return loaded.value;
    },
  };
}
