import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTimestamp } from "./iso-timestamp.js";

describe("isoTimestamp", () => {
  it("is Date's toISOString for any time a Date holds (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.integer({ min: 1.7e12, max: 1.9e12 }),
          fc.double({ min: -1e13, max: 3e14, noNaN: true }),
        ),
        (epochMs) => {
          expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("agrees across a second's milliseconds and at the edges of the fast path", () => {
    const base = Date.UTC(2026, 11, 1, 14, 10, 0);
    for (const epochMs of [
      base,
      base + 1,
      base + 9,
      base + 10,
      base + 99,
      base + 100,
      base + 999,
      base + 1000,
      0,
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
    ]) {
      expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
    }
  });

  it("throws for a time no Date holds, as toISOString does", () => {
    expect(() => isoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => isoTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });
});
