import { CID } from "multiformats/cid";
import { z } from "zod";

/**
 * The `glyph://name@tag` form of a module reference. Names follow npm-like rules
 * (lower case, digits, `-`, `.`, `_`, optional `@scope/`); tags are dist-tags or versions.
 */
export const GLYPH_PATTERN =
  /^glyph:\/\/(?<name>(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,213})@(?<tag>[A-Za-z0-9][A-Za-z0-9.+_-]{0,127})$/;

/** A parsed module reference: either a content address or a glyph name. */
export type ModuleReference =
  | { kind: "cid"; cid: string; version: 0 | 1 }
  | { kind: "glyph"; name: string; tag: string };

/**
 * Parses a module reference as a caller wrote it.
 *
 * CIDs are parsed with `multiformats` (CIDv0 `Qm…` and multibase CIDv1 such as `bafk…`);
 * glyph names with {@link GLYPH_PATTERN}.
 * @returns the parsed reference, or `undefined` when the text is neither form.
 */
export function parseModuleReference(text: string): ModuleReference | undefined {
  const glyph = GLYPH_PATTERN.exec(text);
  if (glyph?.groups) {
    return { kind: "glyph", name: glyph.groups.name!, tag: glyph.groups.tag! };
  }
  if (text.startsWith("glyph:")) return undefined;
  try {
    const cid = CID.parse(text);
    return { kind: "cid", cid: cid.toString(), version: cid.version === 0 ? 0 : 1 };
  } catch {
    return undefined;
  }
}

/** zod schema of the `cid` field: a CIDv0, a CIDv1 or a `glyph://name@tag` reference. */
export const moduleReferenceSchema = z
  .string()
  .min(1)
  .max(512)
  .refine((text) => parseModuleReference(text) !== undefined, {
    message: "must be an IPFS CID (CIDv0 Qm… or multibase CIDv1) or glyph://name@tag",
  });
