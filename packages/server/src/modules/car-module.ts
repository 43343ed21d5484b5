import { createHash } from "node:crypto";
import { CarReader } from "@ipld/car/reader";
import { decode as decodeDagPb } from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import type { CID } from "multiformats/cid";
import { DAG_PB_CODEC, RAW_CODEC, SHA2_256 } from "./module-cid.js";

/** Thrown when a CAR does not prove the file its root names: bad block, missing block, bad DAG. */
export class CarVerificationError extends Error {
  override readonly name = "CarVerificationError";
}

const blockKey = (cid: CID) => cid.toV1().toString();

/**
 * Reads the UnixFS file rooted at `root` out of a CAR, checking the sha2-256 of every block
 * against its CID and that the DAG is complete, and reassembles the file's bytes.
 * @param maxBytes largest file accepted. @unit bytes
 * @throws CarVerificationError when a block does not hash to its CID, a block of the DAG is
 *   missing, a node is not a UnixFS file, sizes disagree, or the file is larger than `maxBytes`.
 */
export async function readUnixfsFileFromCar(
  car: Uint8Array,
  root: CID,
  maxBytes: number,
): Promise<Uint8Array> {
  let reader: CarReader;
  try {
    reader = await CarReader.fromBytes(car);
  } catch (error) {
    throw new CarVerificationError(`not a CAR: ${(error as Error).message}`);
  }
  const blocks = new Map<string, Uint8Array>();
  for await (const block of reader.blocks()) {
    if (block.cid.multihash.code !== SHA2_256) {
      throw new CarVerificationError(`block ${block.cid} is not addressed by sha2-256`);
    }
    const digest = createHash("sha256").update(block.bytes).digest();
    if (!digest.equals(block.cid.multihash.digest)) {
      throw new CarVerificationError(`block ${block.cid} does not hash to its CID`);
    }
    blocks.set(blockKey(block.cid), block.bytes);
  }

  const parts: Uint8Array[] = [];
  let length = 0;
  const append = (bytes: Uint8Array) => {
    length += bytes.length;
    if (length > maxBytes) {
      throw new CarVerificationError(`the file is larger than ${maxBytes} bytes`);
    }
    parts.push(bytes);
  };
  let declaredSize: bigint | undefined;
  // Depth-first, children in link order: the file's bytes in order.
  const pending: CID[] = [root];
  while (pending.length > 0) {
    const cid = pending.pop()!;
    const bytes = blocks.get(blockKey(cid));
    if (!bytes) throw new CarVerificationError(`the CAR lacks block ${cid} of the DAG`);
    if (cid.code === RAW_CODEC) {
      append(bytes);
      continue;
    }
    if (cid.code !== DAG_PB_CODEC) {
      throw new CarVerificationError(`block ${cid} is neither raw nor dag-pb`);
    }
    let unixfs: UnixFS;
    let links: CID[];
    try {
      const node = decodeDagPb(bytes);
      if (!node.Data) throw new Error("no UnixFS data");
      unixfs = UnixFS.unmarshal(node.Data);
      links = node.Links.map((link) => link.Hash);
    } catch (error) {
      throw new CarVerificationError(
        `block ${cid} is not a UnixFS node: ${(error as Error).message}`,
      );
    }
    if (unixfs.type !== "file" && unixfs.type !== "raw") {
      throw new CarVerificationError(`block ${cid} is a UnixFS ${unixfs.type}, not a file`);
    }
    if (declaredSize === undefined) declaredSize = unixfs.fileSize();
    if (unixfs.data && unixfs.data.length > 0) append(unixfs.data);
    for (let index = links.length - 1; index >= 0; index -= 1) pending.push(links[index]!);
  }
  if (declaredSize !== undefined && BigInt(length) !== declaredSize) {
    throw new CarVerificationError(
      `the DAG holds ${length} bytes but its root declares ${declaredSize}`,
    );
  }
  const file = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}
