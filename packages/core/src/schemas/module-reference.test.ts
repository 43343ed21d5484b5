import { describe, expect, it } from "vitest";
import { executeRequestSchema } from "./execute-request.js";
import { parseModuleReference } from "./module-reference.js";

describe("parseModuleReference", () => {
  it("accepts CIDv0, CIDv1 in several multibases, and glyph names", () => {
    expect(parseModuleReference("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")).toMatchObject({
      kind: "cid",
      version: 0,
    });
    expect(
      parseModuleReference("bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom"),
    ).toMatchObject({
      kind: "cid",
      version: 1,
    });
    expect(parseModuleReference("glyph://calculator@quantum")).toEqual({
      kind: "glyph",
      name: "calculator",
      tag: "quantum",
    });
    expect(parseModuleReference("glyph://@scope/pkg@1.2.3")).toEqual({
      kind: "glyph",
      name: "@scope/pkg",
      tag: "1.2.3",
    });
  });

  it("refuses what is neither", () => {
    for (const text of [
      "",
      "hello",
      "Qm123",
      "bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpo!",
      "glyph://Calculator@quantum",
      "glyph://calculator",
      "glyph://calc ulator@x",
      "https://example.com/a.wasm",
    ]) {
      expect(parseModuleReference(text), text).toBeUndefined();
    }
  });
});

describe("executeRequestSchema", () => {
  it("names the field that is wrong", () => {
    const result = executeRequestSchema.safeParse({
      cid: "nope",
      inputs: "x",
      policy: { max_gas: -1 },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["cid", "inputs", "policy.max_gas"]));
  });

  it("refuses unknown members and applies defaults", () => {
    expect(executeRequestSchema.safeParse({ cid: "glyph://a@b", extra: 1 }).success).toBe(false);
    expect(executeRequestSchema.parse({ cid: "glyph://a@b" }).inputs).toEqual([]);
  });
});
