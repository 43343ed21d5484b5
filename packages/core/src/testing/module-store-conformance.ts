import { describe, expect, it } from "vitest";
import { rawCid } from "../hashing/raw-cid.js";
import type { ModuleStore } from "../ports/module-store.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";

/** Distinct bytes per call: stores may be shared between tests. */
function uniqueBytes(size = 64): Uint8Array {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 65536 bytes per call.
  for (let offset = 0; offset < size; offset += 65_536) {
    globalThis.crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  }
  return bytes;
}

/** The behaviour every {@link ModuleStore} must show. */
export function moduleStoreConformance(factory: StoreFactory<ModuleStore>): void {
  describe(`ModuleStore conformance: ${factory.name}`, () => {
    it("stores bytes under their CIDv1 (raw) and gives them back", async () => {
      const store = await factory.create();
      const bytes = uniqueBytes(300);
      const put = await store.put(bytes);
      expect(put).toEqual({ cid: await rawCid(bytes), size: 300, created: true });
      expect(await store.has(put.cid)).toBe(true);
      expect(await store.get(put.cid)).toEqual(bytes);
    });

    it("answers the same CID for the same bytes without writing them again", async () => {
      const store = await factory.create();
      const bytes = uniqueBytes();
      const first = await store.put(bytes);
      const second = await store.put(bytes.slice());
      expect(second).toEqual({ ...first, created: false });
    });

    it("keeps one intact copy under concurrent puts of the same bytes", async () => {
      const store = await factory.create();
      const bytes = uniqueBytes(100_000);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
      expect(new Set(results.map((result) => result.cid)).size).toBe(1);
      expect(await store.get(results[0]!.cid)).toEqual(bytes);
    });

    it("answers undefined for bytes it does not hold", async () => {
      const store = await factory.create();
      const missing = await rawCid(uniqueBytes());
      expect(await store.has(missing)).toBe(false);
      expect(await store.get(missing)).toBeUndefined();
      expect(await store.resolveAlias(`Qm${missing.slice(4)}`)).toBeUndefined();
    });

    it("keeps stored bytes apart from the caller's buffer", async () => {
      const store = await factory.create();
      const bytes = uniqueBytes();
      const expected = bytes.slice();
      const { cid } = await store.put(bytes);
      bytes.fill(0);
      const read = await store.get(cid);
      expect(read).toEqual(expected);
      read!.fill(1);
      expect(await store.get(cid)).toEqual(expected);
    });

    it("records aliases of stored modules and refuses aliases of unknown ones", async () => {
      const store = await factory.create();
      const { cid } = await store.put(uniqueBytes());
      const alias = `bafybei${cid.slice(7)}`;
      await store.addAlias(alias, cid);
      expect(await store.resolveAlias(alias)).toBe(cid);
      const unknown = await rawCid(uniqueBytes());
      await expect(store.addAlias(`bafybei${unknown.slice(7)}`, unknown)).rejects.toThrow();
    });
  });
}
