import { describe, expect, it } from "vitest";
import { compilePattern } from "./resource-pattern.js";

describe("resource patterns", () => {
  it.each([
    ["glyph://calculator@*", "glyph://calculator@quantum", true],
    ["glyph://calculator@*", "glyph://calculator@", true],
    ["glyph://calculator@*", "glyph://calculators@quantum", false],
    ["glyph://calculator@*", "xglyph://calculator@quantum", false],
    ["glyph://*@stable", "glyph://add@stable", true],
    ["glyph://*@stable", "glyph://add@beta", false],
    ["*", "anything at all", true],
    ["bafkreiabc", "bafkreiabc", true],
    ["bafkreiabc", "bafkreiabcd", false],
    ["glyph://a.b@1", "glyph://aXb@1", false],
    ["glyph://(x)+@[1]", "glyph://(x)+@[1]", true],
    ["a*b*c", "a-b-b-c", true],
    ["a*b*c", "a-c", false],
  ])("%s matches %s: %s", (pattern, value, expected) => {
    expect(compilePattern(pattern).matches(value)).toBe(expected);
  });
});
