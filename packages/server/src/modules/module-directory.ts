import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createMemoryModuleResolver,
  GLYPH_PATTERN,
  type MemoryModuleResolver,
} from "@wasm-relay/core";

/** What was loaded from a module directory. */
export interface LoadedModuleDirectory {
  /** Resolves the loaded CIDs and glyph names. */
  resolver: MemoryModuleResolver;
  /** CIDv1 of every `*.wasm` file, by file name. */
  modules: Map<string, string>;
  /** `name@tag` → CID from `glyphs.json`. */
  glyphs: Map<string, string>;
}

/**
 * Loads every `*.wasm` file of `directory` (addressable by its CIDv1, raw codec, sha2-256) and
 * the optional `glyphs.json` mapping `name@tag` to a CID.
 * @throws Error naming the file when the directory cannot be read, a module is not valid
 *   WebAssembly, or `glyphs.json` is malformed or names an unknown CID.
 */
export async function loadModuleDirectory(directory: string): Promise<LoadedModuleDirectory> {
  const resolver = createMemoryModuleResolver();
  const modules = new Map<string, string>();
  const glyphs = new Map<string, string>();
  let files: string[];
  try {
    files = (await readdir(directory)).sort();
  } catch (error) {
    throw new Error(`RELAY_MODULE_DIR: cannot read ${directory}: ${(error as Error).message}`);
  }
  for (const file of files) {
    if (!file.endsWith(".wasm")) continue;
    const bytes = new Uint8Array(await readFile(join(directory, file)));
    if (!WebAssembly.validate(bytes)) {
      throw new Error(`RELAY_MODULE_DIR: ${file} is not a valid WebAssembly module`);
    }
    modules.set(file, await resolver.add(bytes));
  }
  if (files.includes("glyphs.json")) {
    const path = join(directory, "glyphs.json");
    let table: unknown;
    try {
      table = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
    }
    if (typeof table !== "object" || table === null || Array.isArray(table)) {
      throw new Error(`${path}: must be an object mapping "name@tag" to a CID`);
    }
    const known = new Set(modules.values());
    for (const [glyph, cid] of Object.entries(table)) {
      const parsed = GLYPH_PATTERN.exec(`glyph://${glyph}`);
      if (!parsed?.groups) throw new Error(`${path}: "${glyph}" is not a valid name@tag`);
      if (typeof cid !== "string" || !known.has(cid)) {
        throw new Error(
          `${path}: "${glyph}" points at ${JSON.stringify(cid)}, which is no module of the directory`,
        );
      }
      resolver.tag(parsed.groups.name!, parsed.groups.tag!, cid);
      glyphs.set(glyph, cid);
    }
  }
  return { resolver, modules, glyphs };
}
