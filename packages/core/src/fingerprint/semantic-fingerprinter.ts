import { LRUCache } from "lru-cache";
import { rawCid } from "../hashing/raw-cid.js";
import type { ModuleFingerprinter } from "../ports/module-fingerprinter.js";
import { canonicalModuleBytes } from "./canonical-module-bytes.js";

/** Options of {@link createSemanticFingerprinter}. */
export interface SemanticFingerprinterOptions {
  /** Fingerprints remembered by CID (a positive integer). @default 10000 */
  maxEntries?: number;
}

/**
 * The default {@link ModuleFingerprinter}: the CIDv1 (raw, sha2-256) of the module's
 * {@link canonicalModuleBytes} (custom sections removed, section sizes in shortest form), so a
 * fingerprint is itself the CID of the stripped module. Remembers fingerprints by CID (the CID
 * names the bytes, so a remembered answer cannot be stale).
 * @throws TypeError when `maxEntries` is not a positive integer
 */
export function createSemanticFingerprinter(
  options: SemanticFingerprinterOptions = {},
): ModuleFingerprinter {
  const known = new LRUCache<string, string>({ max: options.maxEntries ?? 10_000 });
  return {
    async fingerprint(module) {
      const remembered = known.get(module.cid);
      if (remembered !== undefined) return remembered;
      const fingerprint = await rawCid(canonicalModuleBytes(module.bytes));
      known.set(module.cid, fingerprint);
      return fingerprint;
    },
  };
}
