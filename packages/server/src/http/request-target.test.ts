import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainPath, requestUrl } from "./request-target.js";

describe("isPlainPath", () => {
  it("holds only for targets that are their own URL pathname (property)", () => {
    const characters = fc.constantFrom(..."aZ09-._~/%?#:@!$&'()*+,;= \\\u00e9".split(""));
    fc.assert(
      fc.property(fc.string({ unit: characters, maxLength: 24 }), (tail) => {
        const target = `/${tail}`;
        if (isPlainPath(target)) expect(requestUrl(target).pathname).toBe(target);
      }),
      { numRuns: 2_000 },
    );
  });

  it("takes the relay's routes and leaves dot segments, empty segments and escapes to the URL parser", () => {
    expect(isPlainPath("/intent/execute-wasm")).toBe(true);
    expect(
      isPlainPath("/modules/bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu"),
    ).toBe(true);
    for (const target of [
      "/",
      "/a/../b",
      "/./a",
      "//a",
      "/a%2Fb",
      "/a?b",
      "/a#b",
      "http://x/a",
      "",
    ])
      expect(isPlainPath(target)).toBe(false);
    expect(isPlainPath(undefined)).toBe(false);
  });
});
