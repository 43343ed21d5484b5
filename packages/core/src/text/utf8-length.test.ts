import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "./utf8-length.js";

const encoder = new TextEncoder();

describe("utf8Length", () => {
  it("counts ASCII, 2-, 3- and 4-byte characters and lone surrogates as TextEncoder does", () => {
    for (const text of ["", "abc", "é", "€", "😀", "a😀b", "\ud800", "\udc00x", "\ud800\ud800"]) {
      expect(utf8Length(text)).toBe(encoder.encode(text).length);
    }
  });

  it("agrees with TextEncoder on arbitrary strings (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 2000 },
    );
  });
});
