import { rawCid } from "@wasm-relay/core";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";

/**
 * How a file is cut into a UnixFS DAG; each gives a different root CID for the same bytes.
 * - `unixfs-v0-2015`: `ipfs add` classic defaults (CIDv0, 256 KiB chunks, dag-pb leaves, 174 links).
 * - `kubo-cid-v1`: `ipfs add --cid-version 1` (CIDv1, raw leaves, 256 KiB chunks, 174 links).
 * - `unixfs-v1-2025`: IPIP-499's modern profile (CIDv1, raw leaves, 1 MiB chunks, 1024 links).
 */
export type UnixfsProfile = "unixfs-v0-2015" | "kubo-cid-v1" | "unixfs-v1-2025";

/** Every profile the relay recognises, classic first. */
export const UNIXFS_PROFILES: readonly UnixfsProfile[] = [
  "unixfs-v0-2015",
  "kubo-cid-v1",
  "unixfs-v1-2025",
];

type ImporterOptions = NonNullable<Parameters<typeof importer>[2]>;

const PROFILE_OPTIONS: Record<UnixfsProfile, ImporterOptions> = {
  "unixfs-v0-2015": { profile: "unixfs-v0-2015" },
  "kubo-cid-v1": {
    cidVersion: 1,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize: 262_144 }),
    layout: balanced({ maxChildrenPerNode: 174 }),
  },
  "unixfs-v1-2025": { profile: "unixfs-v1-2025" },
};

/** A blockstore that keeps nothing: only the root CID is wanted. */
const discardBlocks: Parameters<typeof importer>[1] = { put: async (cid) => cid };

/** The root CID of `bytes` imported as one UnixFS file under `profile` (nothing is stored). */
export async function unixfsFileCid(bytes: Uint8Array, profile: UnixfsProfile): Promise<CID> {
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], discardBlocks, {
    ...PROFILE_OPTIONS[profile],
  })) {
    root = entry.cid;
  }
  if (!root) throw new Error("the UnixFS importer produced no root");
  return root;
}

/** Every CID of a module's bytes: its CIDv1 (raw) and the UnixFS roots of each profile. */
export interface ModuleCids {
  /** CIDv1 (raw codec, sha2-256): the relay's own key of the bytes. */
  raw: string;
  /** Other CIDs of the same bytes (CIDv0 first), without duplicates or `raw`. */
  aliases: string[];
}

/**
 * Computes the CIDs a module is known by: its CIDv1 (raw) and the root of its UnixFS DAG
 * under every {@link UNIXFS_PROFILES profile} (for a file of one chunk with raw leaves, that
 * root is the raw CID itself and is left out).
 */
export async function moduleCids(bytes: Uint8Array): Promise<ModuleCids> {
  const raw = await rawCid(bytes);
  const aliases: string[] = [];
  for (const profile of UNIXFS_PROFILES) {
    const cid = (await unixfsFileCid(bytes, profile)).toString();
    if (cid !== raw && !aliases.includes(cid)) aliases.push(cid);
  }
  return { raw, aliases };
}
