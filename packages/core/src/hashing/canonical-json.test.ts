import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../schemas/json-value.js";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops white space", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("spells numbers in their shortest form whatever the source spelling", () => {
    expect(canonicalJson(JSON.parse("[1.0, 1e0, 100e-2, -0, 1e21, 0.000001]"))).toBe(
      "[1,1,1,0,1e+21,0.000001]",
    );
  });

  it("sorts by UTF-16 code units, as RFC 8785 specifies", () => {
    expect(canonicalJson({ "\u20ac": 1, "\ud83d\ude00": 2, a: 3, B: 4 })).toBe(
      '{"B":4,"a":3,"€":1,"😀":2}',
    );
  });

  it("refuses non-finite numbers", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });

  it("gives the same text for any key order (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = reorder(value as JsonValue);
        expect(canonicalJson(reordered)).toBe(canonicalJson(value as JsonValue));
        expect(JSON.parse(canonicalJson(value as JsonValue))).toEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
    );
  });
});

function reorder(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reorder);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, member]) => [key, reorder(member)]),
    );
  }
  return value;
}

describe("canonicalJson at depth", () => {
  it("serialises a document nested 100,000 deep without exhausting the stack", () => {
    let deep: JsonValue = 1;
    for (let level = 0; level < 100_000; level++) deep = level % 2 ? [deep] : { k: deep };
    const text = canonicalJson(deep);
    expect(text.length).toBe(1 + 50_000 * 2 + 50_000 * 6);
    expect(text.startsWith('[{"k":[{"k":')).toBe(true);
  });
});

describe("canonicalJson across the recursion limit", () => {
  it("sorts keys and spells numbers the same above and below 64 levels", () => {
    for (const depth of [1, 63, 64, 65, 130]) {
      let value: JsonValue = 1.0;
      let expected = "1";
      for (let level = 0; level < depth; level++) {
        value = level % 2 ? [value, 2] : { z: value, a: -0 };
        expected = level % 2 ? `[${expected},2]` : `{"a":0,"z":${expected}}`;
      }
      expect(canonicalJson(value)).toBe(expected);
    }
  });

  it("refuses a non-finite number below the recursion limit", () => {
    let value: JsonValue = [Number.POSITIVE_INFINITY];
    for (let level = 0; level < 100; level++) value = { k: value };
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});
