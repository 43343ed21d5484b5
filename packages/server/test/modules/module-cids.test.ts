import { UnsupportedModuleReferenceError } from "@wasm-relay/core";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { describe, expect, it } from "vitest";
import { classifyModuleCid } from "../../src/modules/module-cid.js";
import { moduleCids, unixfsFileCid } from "../../src/modules/unixfs-cid.js";
import { referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

const small = numericModule("add", 1000);
const large = numericModule("add", 300 * 1024);

describe("module CIDs equal the IPFS reference importer's", () => {
  it.each([
    ["under 256 KiB", small],
    ["over 256 KiB", large],
  ])("%s: raw CIDv1, classic CIDv0 and kubo CIDv1", async (_label, bytes) => {
    const cids = await moduleCids(bytes);
    expect(cids.raw).toBe((await referenceImport(bytes, "raw")).root.toString());
    const classic = (await referenceImport(bytes, "classic")).root;
    expect(classic.version).toBe(0);
    expect(classic.toString()).toMatch(/^Qm/);
    expect(cids.aliases[0]).toBe(classic.toString());
    const kubo = (await referenceImport(bytes, "kubo-cid-v1")).root.toString();
    if (kubo === cids.raw) expect(cids.aliases).not.toContain(kubo);
    else expect(cids.aliases).toContain(kubo);
  });

  it("builds more than one chunk for a file over 256 KiB (a real DAG, not one block)", async () => {
    const { blocks } = await referenceImport(large, "classic");
    expect(blocks.size).toBeGreaterThan(2);
    expect((await unixfsFileCid(large, "unixfs-v0-2015")).toString()).toBe(
      (await referenceImport(large, "classic")).root.toString(),
    );
  });
});

describe("classifyModuleCid", () => {
  it("accepts raw and dag-pb CIDs over sha2-256", async () => {
    const { raw, aliases } = await moduleCids(small);
    expect(classifyModuleCid(raw).kind).toBe("raw");
    expect(classifyModuleCid(aliases[0]!).kind).toBe("dag-pb");
  });

  it("names an unsupported codec", () => {
    const digest = CID.parse(
      "bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom",
    ).multihash;
    const dagCbor = CID.createV1(0x71, digest).toString();
    expect(() => classifyModuleCid(dagCbor)).toThrow(UnsupportedModuleReferenceError);
    expect(() => classifyModuleCid(dagCbor)).toThrow(/codec dag-cbor \(0x71\)/);
  });

  it("names an unsupported hash function", () => {
    const blake3 = CID.createV1(0x55, createDigest(0x1e, new Uint8Array(32).fill(7))).toString();
    expect(() => classifyModuleCid(blake3)).toThrow(/hash function blake3 \(0x1e\)/);
  });
});
