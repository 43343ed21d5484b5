import type { RequestOptions } from "../client-options.js";
import { ResponseValidationError } from "../errors/transport-errors.js";
import type { HttpTransport } from "../transport/http-transport.js";
import { requestOptions, requireText } from "./call-arguments.js";

/** A glyph tag pointing at a module: `glyph://name@tag` runs `cid`. */
export interface GlyphPublication {
  /** Glyph name, npm-like (`calculator`, `@team/tool`). */
  name: string;
  /** Dist-tag (`quantum`, `latest`) or exact version. */
  tag: string;
  /** CID of the module the tag points at. */
  cid: string;
}

/** Answer of `PUT /glyphs/:name/:tag`. */
export interface PublishedGlyph extends GlyphPublication {
  /** User who owns the name. */
  owner: string | undefined;
  /** CID the tag pointed at before, `null` for a new tag. */
  previous_cid: string | null;
  /** The `glyph://name@tag` reference now usable as an execute request's `cid`. */
  reference: string;
}

/** Answer of `GET /glyphs/:name`. */
export interface GlyphListing {
  /** Glyph name. */
  name: string;
  /** User who owns the name (the first publisher), when the relay says. */
  owner: string | undefined;
  /** Every tag of the name and the CID it points at. */
  tags: Record<string, string>;
}

/** `client.glyphs`: the `glyph://name@tag` registry. */
export interface GlyphsResource {
  /**
   * Points `glyph://name@tag` at a module (`PUT /glyphs/:name/:tag`). The first publisher of a
   * name owns it.
   * The CID is stored as the CIDv1 of the verified bytes (`cid` of the answer).
   * @throws PermissionDeniedError when another user owns the name; ValidationError for a bad
   *   name, tag or CID; NotFoundError when no module answers to the CID.
   */
  publish(publication: GlyphPublication, options?: RequestOptions): Promise<PublishedGlyph>;
  /**
   * Lists the tags of a name (`GET /glyphs/:name`).
   * @throws NotFoundError when the name was never published.
   */
  list(name: string, options?: RequestOptions): Promise<GlyphListing>;
}

/** Builds `client.glyphs`. */
export function createGlyphsResource(transport: HttpTransport): GlyphsResource {
  return {
    async publish(publication, options = {}) {
      requireText("name", publication?.name);
      requireText("tag", publication.tag);
      requireText("cid", publication.cid);
      const answer = await transport.request(
        {
          ...requestOptions(options),
          method: "PUT",
          path: `glyphs/${encodeURIComponent(publication.name)}/${encodeURIComponent(publication.tag)}`,
          json: { cid: publication.cid },
          headers: options.headers,
        },
        "json",
      );
      const body = answer.data as Partial<PublishedGlyph> | null | undefined;
      const name = typeof body?.name === "string" ? body.name : publication.name;
      const tag = typeof body?.tag === "string" ? body.tag : publication.tag;
      return {
        name,
        tag,
        cid: typeof body?.cid === "string" ? body.cid : publication.cid,
        owner: typeof body?.owner === "string" ? body.owner : undefined,
        previous_cid: typeof body?.previous_cid === "string" ? body.previous_cid : null,
        reference: typeof body?.reference === "string" ? body.reference : `glyph://${name}@${tag}`,
      };
    },
    async list(name, options = {}) {
      requireText("name", name);
      const answer = await transport.request(
        {
          ...requestOptions(options),
          method: "GET",
          path: `glyphs/${encodeURIComponent(name)}`,
          headers: options.headers,
        },
        "json",
      );
      const body = answer.data as Partial<GlyphListing> | null | undefined;
      if (typeof body?.tags !== "object" || body.tags === null) {
        throw new ResponseValidationError("the glyph listing lacks `tags`", {
          status: answer.status,
          headers: answer.headers,
        });
      }
      return {
        name: typeof body.name === "string" ? body.name : name,
        owner: typeof body.owner === "string" ? body.owner : undefined,
        tags: body.tags,
      };
    },
  };
}
