import type { LayeredModuleResolver } from "./layered-module-resolver.js";
import { loadModuleDirectory } from "./module-directory.js";
import { OPERATOR_USER_ID } from "./operator-user.js";

/**
 * Adds every module of a module directory to the resolver's store and publishes its
 * `glyphs.json` names as owned by {@link OPERATOR_USER_ID}.
 * @param log receives a warning for each name another user already owns (left unchanged) or
 *   that the registry could not take (e.g. Redis unreachable at start-up).
 * @throws Error naming the file when the directory cannot be loaded (see `loadModuleDirectory`).
 */
export async function seedModuleDirectory(
  resolver: LayeredModuleResolver,
  directory: string,
  log: (message: string) => void,
): Promise<void> {
  const loaded = await loadModuleDirectory(directory);
  for (const cid of new Set(loaded.modules.values())) {
    await resolver.add((await loaded.resolver.resolve(cid)).bytes);
  }
  for (const [glyph, cid] of loaded.glyphs) {
    const at = glyph.lastIndexOf("@");
    let result: Awaited<ReturnType<typeof resolver.registry.publish>>;
    try {
      result = await resolver.registry.publish({
        name: glyph.slice(0, at),
        tag: glyph.slice(at + 1),
        cid,
        userId: OPERATOR_USER_ID,
      });
    } catch (error) {
      log(`warning: ${directory}: could not publish glyph ${glyph}: ${(error as Error).message}`);
      continue;
    }
    if (!result.published) {
      log(`warning: ${directory}: glyph ${glyph} is owned by ${result.owner}; left unchanged`);
    }
  }
}
