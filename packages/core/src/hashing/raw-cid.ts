import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256BytesSync } from "./sha256.js";

const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;

/**
 * The CIDv1 (raw codec, sha2-256, base32) of bytes: what `ipfs add --cid-version 1
 * --raw-leaves` prints for a file under one chunk (256 KiB). Node's `crypto` digests where it
 * exists, Web Crypto elsewhere (the same digest).
 */
export async function rawCid(bytes: Uint8Array): Promise<string> {
  const digest =
    sha256BytesSync(bytes) ??
    new Uint8Array(
      await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
    );
  return CID.createV1(RAW_CODEC, createDigest(SHA2_256, digest)).toString();
}
