import { rawCid } from "../hashing/raw-cid.js";
import type { ModuleStore } from "../ports/module-store.js";

/** A {@link ModuleStore} in memory: for tests, embedding and single-process development. */
export interface MemoryModuleStore extends ModuleStore {
  /** Number of modules held. */
  readonly size: number;
}

/**
 * Creates a module store in memory. Bytes are copied on the way in and out, so that a caller
 * cannot change stored bytes afterwards.
 */
export function createMemoryModuleStore(): MemoryModuleStore {
  const modules = new Map<string, Uint8Array>();
  const aliases = new Map<string, string>();
  return {
    get size() {
      return modules.size;
    },
    async put(bytes) {
      const cid = await rawCid(bytes);
      const created = !modules.has(cid);
      if (created) modules.set(cid, bytes.slice());
      return { cid, size: bytes.length, created };
    },
    async get(cid) {
      return modules.get(cid)?.slice();
    },
    async has(cid) {
      return modules.has(cid);
    },
    async addAlias(alias, cid) {
      if (!modules.has(cid)) throw new Error(`cannot alias ${alias} to ${cid}: no such module`);
      aliases.set(alias, cid);
    },
    async resolveAlias(alias) {
      return aliases.get(alias);
    },
  };
}
