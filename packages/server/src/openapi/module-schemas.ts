import { z } from "zod";
import { functionSettingsSchema } from "../functions/function-settings.js";

/** Body of `201`/`200` answers to `POST /modules`. */
export const moduleUploadedSchema = z
  .object({
    cid: z.string().meta({ description: "CIDv1 (raw codec, sha2-256) of the stored bytes." }),
    size: z.number().int().nonnegative().meta({ description: "Size of the module in bytes." }),
    aliases: z
      .array(z.string())
      .meta({ description: "Other CIDs that name the same bytes (CIDv0 / UnixFS forms)." }),
  })
  .meta({ description: "A stored module." });

/** Body of `PUT /glyphs/{name}/{tag}` with the module to point the tag at. */
export const glyphPublicationSchema = z
  .object({
    cid: z.string().min(1).meta({ description: "CID of a module the relay can resolve." }),
    function: functionSettingsSchema.nullable().optional().meta({
      description:
        "Defaults of the tag's function endpoint (`/fn/name@tag/…`): replaced when given, removed with null, kept when absent.",
    }),
  })
  .meta({ description: "The module a glyph tag should name." });

/** Body of `201`/`200` answers to `PUT /glyphs/{name}/{tag}`. */
export const glyphPublishedSchema = z
  .object({
    name: z.string(),
    tag: z.string(),
    cid: z.string().meta({ description: "CIDv1 (raw) the tag now names." }),
    owner: z.string().meta({ description: "User id of the name's owner." }),
    previous_cid: z
      .string()
      .nullable()
      .meta({ description: "CID the tag named before, or null for a new tag." }),
    reference: z.string().meta({ description: "The `glyph://name@tag` reference." }),
    function: functionSettingsSchema.nullable().meta({
      description: "The tag's function endpoint settings now (null: none, defaults apply).",
    }),
  })
  .meta({ description: "A published glyph tag." });

/** Body of `GET /glyphs/{name}`. */
export const glyphRecordSchema = z
  .object({
    name: z.string(),
    owner: z.string().meta({ description: "User id of the first publisher." }),
    tags: z
      .record(z.string(), z.string())
      .meta({ description: "Tag → CIDv1 (raw) of the module." }),
    functions: z.record(z.string(), functionSettingsSchema).meta({
      description: "Tag → its function endpoint settings (tags without settings are absent).",
    }),
  })
  .meta({ description: "A glyph name, its owner and its tags." });
