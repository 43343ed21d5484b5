import type { GlyphRecord, GlyphRegistry } from "../ports/glyph-registry.js";

/**
 * Creates a glyph:// registry in memory. Publishing is synchronous inside one call, so the
 * first publisher of a name owns it even under concurrent calls.
 */
export function createMemoryGlyphRegistry(): GlyphRegistry {
  const records = new Map<string, GlyphRecord>();
  return {
    async lookup(name, tag) {
      return records.get(name)?.tags[tag];
    },
    async get(name) {
      const record = records.get(name);
      return record ? { ...record, tags: { ...record.tags } } : undefined;
    },
    async publish({ name, tag, cid, userId }) {
      const record = records.get(name);
      if (record && record.owner !== userId) return { published: false, owner: record.owner };
      if (!record) {
        records.set(name, { name, owner: userId, tags: { [tag]: cid } });
        return { published: true, claimed: true, previousCid: undefined };
      }
      const previousCid = record.tags[tag];
      record.tags[tag] = cid;
      return { published: true, claimed: false, previousCid };
    },
  };
}
