import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";
import { InvalidModuleError } from "./invalid-module-error.js";

describe("LEB128", () => {
  it("round-trips unsigned 32-bit and signed 64-bit integers", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (unsigned, signed) => {
          const bytes = new ByteWriter(4).u32(unsigned).signed(signed).name("é").toBytes();
          const reader = new ByteReader(bytes);
          expect(reader.u32()).toBe(unsigned);
          expect(reader.signed(64)).toBe(signed);
          expect(reader.name()).toBe("é");
          expect(reader.done).toBe(true);
        },
      ),
    );
  });

  it("rejects truncated and oversized integers", () => {
    expect(() => new ByteReader(new Uint8Array([0x80])).u32()).toThrow(InvalidModuleError);
    expect(() => new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7f])).u32()).toThrow(
      "integer too large",
    );
    expect(() =>
      new ByteReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).signed(32),
    ).toThrow(InvalidModuleError);
  });
});
