import { LruMap } from "@wasm-relay/core";

/** Options of {@link createDecisionCache}. */
export interface DecisionCacheOptions {
  /** How long a value is reused; 0 disables caching (concurrent calls still share one load). @unit milliseconds */
  ttlMs: number;
  /** Most entries kept (least recently used go first). @default 10000 */
  capacity?: number;
  /** Current time. @unit milliseconds @default Date.now */
  now?: () => number;
}

/** A short-lived cache of answers by key, that also shares one load among concurrent callers. */
export interface DecisionCache<V> {
  /**
   * The cached value of `key`, or the result of `load` (cached for the TTL when `keep` says so).
   * Concurrent calls for the same key share one `load`.
   */
  get(key: string, load: () => Promise<{ value: V; keep: boolean }>): Promise<V>;
}

/** Creates a {@link DecisionCache}. Memory is bounded by `capacity`. */
export function createDecisionCache<V>(options: DecisionCacheOptions): DecisionCache<V> {
  const now = options.now ?? Date.now;
  const entries = new LruMap<string, { value: V; expiresAt: number }>(options.capacity ?? 10_000);
  const loading = new Map<string, Promise<V>>();
  return {
    get(key, load) {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now()) return Promise.resolve(entry.value);
      if (entry) entries.delete(key);
      const pending = loading.get(key);
      if (pending) return pending;
      const started = load().then(
        ({ value, keep }) => {
          loading.delete(key);
          if (keep && options.ttlMs > 0)
            entries.set(key, { value, expiresAt: now() + options.ttlMs });
          return value;
        },
        (error: unknown) => {
          loading.delete(key);
          throw error;
        },
      );
      loading.set(key, started);
      return started;
    },
  };
}
