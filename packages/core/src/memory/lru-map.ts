/**
 * A Map bounded by entry count that evicts the least recently used entry. Memory stores use it
 * so that distinct users or keys can never grow memory without bound.
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();

  /** @param capacity most entries kept; must be at least 1. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reads an entry and marks it recently used. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Writes an entry, evicting the least recently used one when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  /** Removes an entry. */
  delete(key: K): boolean {
    return this.#entries.delete(key);
  }
}
