/**
 * A least-recently-used map bounded by the total size of its values, not their count.
 * A value larger than the whole budget is not kept.
 */
export class ByteBudgetCache<Value> {
  private readonly entries = new Map<string, { value: Value; size: number }>();
  private used = 0;

  /** @param budgetBytes Most bytes the cached values may add up to. @unit bytes */
  constructor(private readonly budgetBytes: number) {}

  /** The value under `key`, marked as recently used; undefined when absent. */
  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` of `size` bytes, evicting the least recently used entries to fit. */
  set(key: string, value: Value, size: number): void {
    const existing = this.entries.get(key);
    if (existing) {
      this.entries.delete(key);
      this.used -= existing.size;
    }
    if (size > this.budgetBytes) return;
    while (this.used + size > this.budgetBytes) {
      const oldest = this.entries.entries().next().value;
      if (!oldest) break;
      this.entries.delete(oldest[0]);
      this.used -= oldest[1].size;
    }
    this.entries.set(key, { value, size });
    this.used += size;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Total size of the cached values. @unit bytes */
  get bytes(): number {
    return this.used;
  }
}
