import { UnsupportedModuleReferenceError } from "@wasm-relay/core";
import { CID } from "multiformats/cid";

/** Multicodec code of raw bytes (`bafkrei…` CIDs). */
export const RAW_CODEC = 0x55;
/** Multicodec code of dag-pb, the UnixFS node format (`Qm…` and `bafybei…` CIDs). */
export const DAG_PB_CODEC = 0x70;
/** Multihash code of sha2-256, the only hash function modules may be addressed by. */
export const SHA2_256 = 0x12;

const CODEC_NAMES: Record<number, string> = {
  81: "cbor",
  85: "raw",
  112: "dag-pb",
  113: "dag-cbor",
  114: "libp2p-key",
  120: "git-raw",
  297: "dag-json",
  512: "json",
};

const HASH_NAMES: Record<number, string> = {
  0: "identity",
  17: "sha1",
  18: "sha2-256",
  19: "sha2-512",
  20: "sha3-512",
  22: "sha3-256",
  27: "keccak-256",
  30: "blake3",
  45600: "blake2b-256",
  45664: "blake2s-256",
};

const describeCode = (names: Record<number, string>, code: number) =>
  `${names[code] ?? "unknown"} (0x${code.toString(16)})`;

/** A module CID the relay can verify, by how it is verified. */
export type ModuleCid =
  /** The sha2-256 of the bytes themselves. */
  | { kind: "raw"; cid: CID }
  /** The root of a UnixFS file DAG (CIDv0, or CIDv1 dag-pb). */
  | { kind: "dag-pb"; cid: CID };

/**
 * Parses a CID and says how its bytes are verified.
 * @throws UnsupportedModuleReferenceError naming the codec or hash function when it is neither
 *   raw nor dag-pb, or not sha2-256 (the pipeline answers 400).
 * @throws TypeError when the text is not a CID.
 */
export function classifyModuleCid(text: string): ModuleCid {
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch (error) {
    throw new TypeError(`${JSON.stringify(text)} is not a CID: ${(error as Error).message}`);
  }
  if (cid.multihash.code !== SHA2_256) {
    throw new UnsupportedModuleReferenceError(
      text,
      `hash function ${describeCode(HASH_NAMES, cid.multihash.code)} is not supported: module CIDs must use sha2-256 (0x12)`,
    );
  }
  if (cid.code === RAW_CODEC) return { kind: "raw", cid };
  if (cid.code === DAG_PB_CODEC) return { kind: "dag-pb", cid };
  throw new UnsupportedModuleReferenceError(
    text,
    `codec ${describeCode(CODEC_NAMES, cid.code)} is not supported: module CIDs must be raw (0x55) or dag-pb (0x70, UnixFS)`,
  );
}
