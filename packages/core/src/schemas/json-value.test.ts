import { describe, expect, it } from "vitest";
import { findJsonBoundsViolation } from "./json-value.js";

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level++) value = level % 2 ? { member: value } : [value];
  return value;
}

describe("findJsonBoundsViolation", () => {
  const bounds = { maxDepth: 64, maxValues: 1000 };

  it("accepts a document exactly at the depth limit and refuses one level more", () => {
    expect(findJsonBoundsViolation(nested(64), bounds)).toBeUndefined();
    expect(findJsonBoundsViolation(nested(65), bounds)).toEqual({ bound: "depth", limit: 64 });
  });

  it("measures a million levels without exhausting the stack", () => {
    expect(findJsonBoundsViolation(nested(1_000_000), bounds)).toEqual({
      bound: "depth",
      limit: 64,
    });
  });

  it("counts every value, containers included", () => {
    expect(findJsonBoundsViolation(Array(999).fill(0), bounds)).toBeUndefined();
    expect(findJsonBoundsViolation(Array(1000).fill(0), bounds)).toEqual({
      bound: "values",
      limit: 1000,
    });
    expect(findJsonBoundsViolation({ a: [1, 2], b: "x" }, { maxDepth: 2, maxValues: 5 })).toEqual(
      undefined,
    );
    expect(findJsonBoundsViolation({ a: [1, 2], b: "x" }, { maxDepth: 1, maxValues: 5 })).toEqual({
      bound: "depth",
      limit: 1,
    });
  });

  it("treats scalars as depth 0", () => {
    expect(findJsonBoundsViolation(5, { maxDepth: 0, maxValues: 1 })).toBeUndefined();
  });
});
