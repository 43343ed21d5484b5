/**
 * An LRU cache of module bytes bounded by their total size, so that a few large modules cannot
 * grow memory without bound. A module larger than the whole budget is not cached.
 */
export class ModuleCache {
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  /** @param capacityBytes most bytes held. @unit bytes */
  constructor(readonly capacityBytes: number) {
    if (!Number.isFinite(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`capacityBytes must be a non-negative number, got ${capacityBytes}`);
    }
  }

  /** Total bytes held. @unit bytes */
  get bytes(): number {
    return this.#bytes;
  }

  /** Reads a module by CID and marks it recently used. */
  get(cid: string): Uint8Array | undefined {
    const bytes = this.#entries.get(cid);
    if (bytes !== undefined) {
      this.#entries.delete(cid);
      this.#entries.set(cid, bytes);
    }
    return bytes;
  }

  /** Holds a module, evicting the least recently used ones until it fits. */
  set(cid: string, bytes: Uint8Array): void {
    this.delete(cid);
    if (bytes.length > this.capacityBytes) return;
    this.#entries.set(cid, bytes);
    this.#bytes += bytes.length;
    for (const [oldest, oldestBytes] of this.#entries) {
      if (this.#bytes <= this.capacityBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= oldestBytes.length;
    }
  }

  /** Drops a module. */
  delete(cid: string): void {
    const bytes = this.#entries.get(cid);
    if (bytes === undefined) return;
    this.#entries.delete(cid);
    this.#bytes -= bytes.length;
  }
}
