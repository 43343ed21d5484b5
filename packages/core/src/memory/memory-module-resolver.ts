import { rawCid } from "../hashing/raw-cid.js";
import type { ModuleResolver, ResolvedModule } from "../ports/module-resolver.js";
import { ModuleNotFoundError } from "../ports/module-resolver.js";
import { parseModuleReference } from "../schemas/module-reference.js";

/** A {@link ModuleResolver} over modules held in memory, with a glyph table. */
export interface MemoryModuleResolver extends ModuleResolver {
  /** Adds module bytes; resolves to their CIDv1 (raw). */
  add(bytes: Uint8Array): Promise<string>;
  /** Points `glyph://name@tag` at a CID. */
  tag(name: string, tag: string, cid: string): void;
}

/**
 * Creates an in-memory resolver. CIDs resolve when their bytes were added under that exact
 * CIDv1 (raw); glyph names resolve through the tag table.
 */
export function createMemoryModuleResolver(): MemoryModuleResolver {
  const modules = new Map<string, Uint8Array>();
  const glyphs = new Map<string, string>();

  return {
    async add(bytes) {
      const cid = await rawCid(bytes);
      modules.set(cid, bytes);
      return cid;
    },
    tag(name, tag, cid) {
      glyphs.set(`${name}@${tag}`, cid);
    },
    async resolve(reference): Promise<ResolvedModule> {
      const parsed = parseModuleReference(reference);
      if (!parsed) throw new ModuleNotFoundError(reference);
      const cid = parsed.kind === "glyph" ? glyphs.get(`${parsed.name}@${parsed.tag}`) : parsed.cid;
      const bytes = cid === undefined ? undefined : modules.get(cid);
      if (!bytes || !cid) throw new ModuleNotFoundError(reference);
      return { cid, bytes };
    },
  };
}
