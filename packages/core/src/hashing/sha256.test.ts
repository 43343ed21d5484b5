import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rawCid } from "./raw-cid.js";
import { sha256BytesSync, sha256Hex, sha256HexSync, toHex, webCryptoSha256Hex } from "./sha256.js";

describe("sha256Hex", () => {
  it("digests synchronously in Node (where node:crypto exists)", () => {
    expect(sha256HexSync("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("gives Web Crypto's digest for any string, UTF-8 encoded (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme" }), async (text) => {
        const expected = await webCryptoSha256Hex(text);
        expect(sha256HexSync(text)).toBe(expected);
        expect(await sha256Hex(text)).toBe(expected);
      }),
    );
  });

  it("gives Web Crypto's digest for any bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const expected = await webCryptoSha256Hex(bytes);
        expect(sha256HexSync(bytes)).toBe(expected);
        expect(toHex(sha256BytesSync(bytes) as Uint8Array)).toBe(expected);
        expect(await sha256Hex(bytes)).toBe(expected);
      }),
    );
  });

  it("encodes lone surrogates as Web Crypto's TextEncoder does (U+FFFD)", async () => {
    const text = "a\ud800b\udc00";
    expect(sha256HexSync(text)).toBe(await webCryptoSha256Hex(text));
  });

  it("keeps the raw CID of known bytes", async () => {
    // `ipfs add --cid-version 1 --raw-leaves` of the three bytes "abc".
    expect(await rawCid(new TextEncoder().encode("abc"))).toBe(
      "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu",
    );
  });
});
