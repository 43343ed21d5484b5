import type { GlyphRegistry } from "@wasm-relay/core";
import type { LayeredModuleResolver } from "./layered-module-resolver.js";
import { loadModuleDirectory } from "./module-directory.js";
import { type OperatorGlyph, restoreOperatorGlyph } from "./operator-glyphs.js";

/** What {@link seedModuleDirectory} found: the operator's names, to re-establish later too. */
export interface SeededModuleDirectory {
  /** Every `name@tag` of `glyphs.json`, with its CID. */
  glyphs: readonly OperatorGlyph[];
  /** The names of `glyphs.json`: only the operator may publish them. */
  reservedNames: ReadonlySet<string>;
}

/**
 * Adds every module of a module directory to the resolver's store and establishes its
 * `glyphs.json` names as the operator's (see {@link restoreOperatorGlyphs}).
 * @param log receives a warning for each name given back to the operator, and for each the
 *   registry could not take (e.g. Redis unreachable at start-up: re-established on reconnect).
 * @throws Error naming the file when the directory cannot be loaded (see `loadModuleDirectory`).
 */
export async function seedModuleDirectory(
  resolver: LayeredModuleResolver,
  directory: string,
  log: (message: string) => void,
): Promise<SeededModuleDirectory> {
  const loaded = await loadModuleDirectory(directory);
  for (const cid of new Set(loaded.modules.values())) {
    await resolver.add((await loaded.resolver.resolve(cid)).bytes);
  }
  const glyphs = [...loaded.glyphs].map(([glyph, cid]): OperatorGlyph => {
    const at = glyph.lastIndexOf("@");
    return { name: glyph.slice(0, at), tag: glyph.slice(at + 1), cid };
  });
  await restoreOperatorGlyphs(resolver.registry, glyphs, directory, log);
  return { glyphs, reservedNames: new Set(glyphs.map((glyph) => glyph.name)) };
}

/**
 * Points each operator tag at its CID as the operator, overwriting the claim of any other user
 * (names live in Redis, which may have restarted empty and let someone claim them meanwhile).
 * Never throws: a failure is logged and the next call (start-up, Redis reconnect) tries again.
 * @param source the directory the names come from, named in the log.
 * @returns how many tags were established.
 */
export async function restoreOperatorGlyphs(
  registry: GlyphRegistry,
  glyphs: readonly OperatorGlyph[],
  source: string,
  log: (message: string) => void,
): Promise<number> {
  let restored = 0;
  for (const glyph of glyphs) {
    const label = `${glyph.name}@${glyph.tag}`;
    try {
      const result = await restoreOperatorGlyph(registry, glyph);
      if (result.kept) {
        log(
          `warning: ${source}: glyph ${label} is owned by ${result.displacedOwner}; left unchanged`,
        );
        continue;
      }
      if (result.displacedOwner !== undefined) {
        log(
          `warning: ${source}: glyph ${glyph.name} had been claimed by ${result.displacedOwner}; given back to the operator`,
        );
      }
      restored += 1;
    } catch (error) {
      log(`warning: ${source}: could not publish glyph ${label}: ${(error as Error).message}`);
    }
  }
  return restored;
}
