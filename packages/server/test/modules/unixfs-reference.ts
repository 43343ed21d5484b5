import { CarWriter } from "@ipld/car";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import type { CID } from "multiformats/cid";

/** Blocks the reference importer wrote, in order. */
export type Blocks = Map<string, { cid: CID; bytes: Uint8Array }>;

/**
 * Imports bytes with the reference UnixFS importer (ipfs-unixfs-importer), keeping every block.
 * `classic` is `ipfs add`'s defaults (CIDv0, 256 KiB, dag-pb leaves); `raw` is one raw block of
 * the whole file (`--cid-version 1 --raw-leaves` with a chunk as large as the file).
 */
export async function referenceImport(
  bytes: Uint8Array,
  profile: "classic" | "raw" | "kubo-cid-v1",
): Promise<{ root: CID; blocks: Blocks }> {
  const blocks: Blocks = new Map();
  const store = {
    put: async (cid: CID, block: Uint8Array) => {
      blocks.set(cid.toString(), { cid, bytes: block });
      return cid;
    },
  };
  const options =
    profile === "classic"
      ? ({ profile: "unixfs-v0-2015" } as const)
      : profile === "raw"
        ? {
            cidVersion: 1 as const,
            rawLeaves: true,
            chunker: fixedSize({ chunkSize: Math.max(bytes.length, 1) }),
          }
        : { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 262_144 }) };
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], store as never, options))
    root = entry.cid;
  return { root: root!, blocks };
}

/** A CAR (v1) of `blocks` with `root` as its root, built with @ipld/car. */
export async function carOf(
  root: CID,
  blocks: Iterable<{ cid: CID; bytes: Uint8Array }>,
): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of out) chunks.push(chunk);
  })();
  for (const block of blocks) await writer.put(block);
  await writer.close();
  await collected;
  return new Uint8Array(Buffer.concat(chunks));
}
