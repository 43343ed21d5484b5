import { describe, expect, it } from "vitest";
import { rawCid } from "../hashing/raw-cid.js";
import { MalformedModuleError } from "../ports/module-fingerprinter.js";
import { canonicalModuleBytes } from "./canonical-module-bytes.js";
import { createSemanticFingerprinter } from "./semantic-fingerprinter.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const TYPE = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]; // () -> i32
const FUNCTION = [0x03, 0x02, 0x01, 0x00];
const EXPORT = [0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00]; // "main"
const code = (constant: number) => [0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, constant, 0x0b];
const custom = (name: string, payload: number[]) => {
  const nameBytes = [...new TextEncoder().encode(name)];
  return [0x00, 1 + nameBytes.length + payload.length, nameBytes.length, ...nameBytes, ...payload];
};
const module = (...sections: number[][]) => Uint8Array.from([...HEADER, ...sections.flat()]);

/** A module whose `main` returns 42, optionally with metadata around it. */
const answer = (...extra: number[][]) => module(TYPE, FUNCTION, EXPORT, code(42), ...extra);

async function fingerprintOf(bytes: Uint8Array): Promise<string> {
  // A fresh fingerprinter each time: nothing is remembered across the compared modules.
  return createSemanticFingerprinter().fingerprint({ cid: await rawCid(bytes), bytes });
}

describe("semantic fingerprinter", () => {
  it("gives two modules differing only in custom sections the same fingerprint", async () => {
    const plain = answer();
    const annotated = module(
      custom("producers", [1, 2, 3]),
      TYPE,
      FUNCTION,
      EXPORT,
      code(42),
      custom("name", [0, 4, 1, 0, 1, 0x61]),
      custom("sourceMappingURL", [0x6d]),
    );
    expect(WebAssembly.validate(plain) && WebAssembly.validate(annotated)).toBe(true);
    expect(await rawCid(plain)).not.toBe(await rawCid(annotated));
    expect(await fingerprintOf(annotated)).toBe(await fingerprintOf(plain));
  });

  it("is the CID of the module with its custom sections removed", async () => {
    expect(await fingerprintOf(answer(custom("name", [])))).toBe(await rawCid(answer()));
  });

  it("gives a one-byte change of the code another fingerprint", async () => {
    const changed = module(TYPE, FUNCTION, EXPORT, code(43));
    expect(WebAssembly.validate(changed)).toBe(true);
    expect(await fingerprintOf(changed)).not.toBe(await fingerprintOf(answer()));
  });

  it("puts section sizes in their shortest form", async () => {
    // The type section's size 5 written in five bytes (a valid, padded LEB128).
    const padded = module(
      [0x01, 0x85, 0x80, 0x80, 0x80, 0x00, ...TYPE.slice(2)],
      FUNCTION,
      EXPORT,
      code(42),
    );
    expect(WebAssembly.validate(padded)).toBe(true);
    expect(canonicalModuleBytes(padded)).toEqual(answer());
    expect(await fingerprintOf(padded)).toBe(await fingerprintOf(answer()));
  });

  it.each([
    ["no magic number", Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 0],
    ["a truncated header", Uint8Array.from(HEADER.slice(0, 5)), 0],
    ["a section past the end", module([0x01, 0x20, 0x01]), 8],
    ["an unknown section id", module([0x2a, 0x00]), 8],
    ["a size longer than five bytes", module([0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 9],
  ])("refuses %s with a MalformedModuleError naming the offset", async (_, bytes, offset) => {
    const fingerprinter = createSemanticFingerprinter();
    const attempt = fingerprinter.fingerprint({ cid: "malformed", bytes });
    await expect(attempt).rejects.toBeInstanceOf(MalformedModuleError);
    await expect(attempt).rejects.toMatchObject({
      offset,
      message: expect.stringMatching(/^malformed WebAssembly module at byte/),
    });
  });

  it("remembers a fingerprint by CID", async () => {
    const fingerprinter = createSemanticFingerprinter();
    const first = await fingerprinter.fingerprint({ cid: "same", bytes: answer() });
    // The CID names the bytes, so the second answer comes from memory without reading them.
    expect(await fingerprinter.fingerprint({ cid: "same", bytes: new Uint8Array() })).toBe(first);
  });
});
