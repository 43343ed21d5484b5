/** One name of the glyph:// registry and its tags. */
export interface GlyphRecord {
  /** The name (npm-like: `calculator`, `@scope/name`). */
  name: string;
  /** User id of the first publisher, the only one who may move its tags. */
  owner: string;
  /** Tag (dist-tag such as `latest`, or an exact version) → CIDv1 (raw) of the module. */
  tags: Record<string, string>;
}

/**
 * What the registry port is asked to record: point `glyph://name@tag` at a module on behalf of
 * `userId`. (The HTTP body of `PUT /glyphs/{name}/{tag}` is the OpenAPI `GlyphPublication`.)
 */
export interface GlyphRegistryPublication {
  name: string;
  tag: string;
  /** CIDv1 (raw) of the module (verified by the caller). */
  cid: string;
  /** User id of the publisher. */
  userId: string;
}

/** What {@link GlyphRegistry.publish} did. */
export type GlyphPublishResult =
  /** The tag now points at the CID; `claimed` when this publication made the user the owner. */
  | { published: true; claimed: boolean; previousCid: string | undefined }
  /** Someone else owns the name: nothing changed. */
  | { published: false; owner: string };

/**
 * The glyph:// registry: names owned by their first publisher, tags pointing at CIDs.
 * Publishing is atomic: of two first publishers racing for a name, exactly one owns it.
 */
export interface GlyphRegistry {
  /** @returns the CID `glyph://name@tag` points at, or `undefined`. */
  lookup(name: string, tag: string): Promise<string | undefined>;
  /** @returns the name's owner and tags, or `undefined` when it was never published. */
  get(name: string): Promise<GlyphRecord | undefined>;
  /**
   * Points a tag at a CID: claims the name when nobody owns it, moves the tag when the
   * publisher owns it, and refuses otherwise.
   */
  publish(publication: GlyphRegistryPublication): Promise<GlyphPublishResult>;
}
