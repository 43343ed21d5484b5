import type { GlyphRegistry } from "@wasm-relay/core";
import { OPERATOR_USER_ID } from "./operator-user.js";

/** An operator tag to re-establish: `glyph://name@tag` → `cid`. */
export interface OperatorGlyph {
  name: string;
  tag: string;
  /** CIDv1 (raw) of the module. */
  cid: string;
}

/** What re-establishing one operator tag did. */
export interface RestoredGlyph {
  /** The owner whose claim of the name was dropped, when another user held it. */
  displacedOwner: string | undefined;
}

/**
 * A registry that can give a name back to the operator: overwrites the claim of any other
 * owner (and drops that owner's tags), then points the tag at the CID as
 * {@link OPERATOR_USER_ID}. The Redis and file registries offer it.
 */
export interface RestorableGlyphRegistry extends GlyphRegistry {
  /** @throws the registry's error (e.g. Redis unreachable). */
  restoreOperatorGlyph(glyph: OperatorGlyph): Promise<RestoredGlyph>;
}

/** Whether a registry offers {@link RestorableGlyphRegistry.restoreOperatorGlyph}. */
export function isRestorableGlyphRegistry(
  registry: GlyphRegistry,
): registry is RestorableGlyphRegistry {
  return typeof (registry as Partial<RestorableGlyphRegistry>).restoreOperatorGlyph === "function";
}

/**
 * Re-establishes one operator tag in any registry: with `restoreOperatorGlyph` when it has one,
 * else by publishing as the operator (then a name another user holds stays theirs and is
 * reported as displaced-but-kept with `kept: true`).
 * @throws the registry's error.
 */
export async function restoreOperatorGlyph(
  registry: GlyphRegistry,
  glyph: OperatorGlyph,
): Promise<RestoredGlyph & { kept: boolean }> {
  if (isRestorableGlyphRegistry(registry)) {
    return { ...(await registry.restoreOperatorGlyph(glyph)), kept: false };
  }
  const result = await registry.publish({ ...glyph, userId: OPERATOR_USER_ID });
  return result.published
    ? { displacedOwner: undefined, kept: false }
    : { displacedOwner: result.owner, kept: true };
}
