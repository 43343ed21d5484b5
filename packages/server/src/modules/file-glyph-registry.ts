import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { GlyphPublishResult, GlyphRecord } from "@wasm-relay/core";
import type { RestorableGlyphRegistry, RestoredGlyph } from "./operator-glyphs.js";
import { OPERATOR_USER_ID } from "./operator-user.js";

/** The JSON document of a {@link createFileGlyphRegistry file registry}. */
interface GlyphFile {
  version: 1;
  names: Record<string, { owner: string; tags: Record<string, string> }>;
}

/**
 * A glyph:// registry kept in one JSON file (`{ version: 1, names: { name: { owner, tags } } }`).
 * The file is read once; every publication rewrites it atomically (temporary file, flush,
 * rename), one at a time. For one relay process: several processes sharing names need the Redis
 * registry.
 * @throws Error naming the file when it exists but is not a registry document.
 */
export async function createFileGlyphRegistry(path: string): Promise<RestorableGlyphRegistry> {
  const names = new Map<string, GlyphRecord>();
  let text: string | undefined;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined) {
    let document: GlyphFile;
    try {
      document = JSON.parse(text) as GlyphFile;
      if (document.version !== 1 || typeof document.names !== "object" || !document.names) {
        throw new Error("expected { version: 1, names: {…} }");
      }
    } catch (error) {
      throw new Error(`${path}: not a glyph registry file: ${(error as Error).message}`);
    }
    for (const [name, record] of Object.entries(document.names)) {
      names.set(name, { name, owner: String(record.owner), tags: { ...record.tags } });
    }
  }
  await mkdir(dirname(path), { recursive: true });

  async function save(state: Map<string, GlyphRecord>): Promise<void> {
    const document: GlyphFile = { version: 1, names: {} };
    for (const [name, record] of state) {
      document.names[name] = { owner: record.owner, tags: record.tags };
    }
    const temporary = join(dirname(path), `.glyphs-${randomBytes(6).toString("hex")}.tmp`);
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`);
      await handle.sync();
      await handle.close();
      await rename(temporary, path);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  // Publications run one at a time; memory changes only once the file holds the new state.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async lookup(name, tag) {
      return names.get(name)?.tags[tag];
    },
    async get(name) {
      const record = names.get(name);
      return record ? { ...record, tags: { ...record.tags } } : undefined;
    },
    publish({ name, tag, cid, userId }) {
      const run = queue.then(async (): Promise<GlyphPublishResult> => {
        const record = names.get(name);
        if (record && record.owner !== userId) return { published: false, owner: record.owner };
        const next = new Map(names);
        next.set(name, {
          name,
          owner: userId,
          tags: { ...record?.tags, [tag]: cid },
        });
        await save(next);
        names.set(name, next.get(name)!);
        return { published: true, claimed: !record, previousCid: record?.tags[tag] };
      });
      queue = run.catch(() => undefined);
      return run;
    },
    restoreOperatorGlyph({ name, tag, cid }) {
      const run = queue.then(async (): Promise<RestoredGlyph> => {
        const record = names.get(name);
        const displaced = record && record.owner !== OPERATOR_USER_ID ? record.owner : undefined;
        if (!displaced && record?.tags[tag] === cid) return { displacedOwner: undefined };
        const next = new Map(names);
        next.set(name, {
          name,
          owner: OPERATOR_USER_ID,
          tags: { ...(displaced ? {} : record?.tags), [tag]: cid },
        });
        await save(next);
        names.set(name, next.get(name)!);
        return { displacedOwner: displaced };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
