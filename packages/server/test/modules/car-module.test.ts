import { describe, expect, it } from "vitest";
import { CarVerificationError, readUnixfsFileFromCar } from "../../src/modules/car-module.js";
import { carOf, referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

const large = numericModule("mul", 600 * 1024);

describe("readUnixfsFileFromCar", () => {
  it("reassembles a multi-block file from a CAR built with @ipld/car", async () => {
    for (const profile of ["classic", "kubo-cid-v1"] as const) {
      const { root, blocks } = await referenceImport(large, profile);
      const car = await carOf(root, blocks.values());
      expect(await readUnixfsFileFromCar(car, root, 1024 * 1024)).toEqual(large);
    }
  });

  it("rejects a CAR with a block whose bytes do not hash to its CID", async () => {
    const { root, blocks } = await referenceImport(large, "classic");
    const tampered = [...blocks.values()].map((block, index) =>
      index === 0
        ? { cid: block.cid, bytes: block.bytes.map((byte, i) => (i === 20 ? byte ^ 1 : byte)) }
        : block,
    );
    const car = await carOf(root, tampered);
    await expect(readUnixfsFileFromCar(car, root, 1024 * 1024)).rejects.toThrow(
      /does not hash to its CID/,
    );
  });

  it("rejects an incomplete DAG", async () => {
    const { root, blocks } = await referenceImport(large, "classic");
    const car = await carOf(root, [...blocks.values()].slice(1));
    await expect(readUnixfsFileFromCar(car, root, 1024 * 1024)).rejects.toThrow(/lacks block/);
  });

  it("rejects a file over the bound, and bytes that are no CAR", async () => {
    const { root, blocks } = await referenceImport(large, "classic");
    const car = await carOf(root, blocks.values());
    await expect(readUnixfsFileFromCar(car, root, 100_000)).rejects.toThrow(/larger than/);
    await expect(readUnixfsFileFromCar(large, root, 1024 * 1024)).rejects.toBeInstanceOf(
      CarVerificationError,
    );
  });
});
