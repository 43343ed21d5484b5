import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rawCid } from "@wasm-relay/core";
import { moduleStoreConformance } from "@wasm-relay/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createFilesystemModuleStore } from "../../src/modules/filesystem-module-store.js";
import { numericModule } from "./wasm-fixtures.js";

const directories: string[] = [];
async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "relay-store-"));
  directories.push(directory);
  return directory;
}
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

moduleStoreConformance({
  name: "filesystem",
  create: async () => createFilesystemModuleStore({ directory: await freshDirectory() }),
});

describe("filesystem module store", () => {
  it("leaves exactly one intact file and no temporary files after concurrent puts", async () => {
    const directory = await freshDirectory();
    // Two store instances over one directory stand for two processes.
    const stores = await Promise.all([
      createFilesystemModuleStore({ directory }),
      createFilesystemModuleStore({ directory }),
    ]);
    const bytes = numericModule("add", 400 * 1024, 3);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 2]!.put(bytes)),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const cid = await rawCid(bytes);
    const shard = join(directory, "modules", cid.slice(-2));
    expect(await readdir(shard)).toEqual([cid]);
    expect(new Uint8Array(await readFile(join(shard, cid)))).toEqual(bytes);
    expect(await readdir(join(directory, "tmp"))).toEqual([]);
  });

  it("never shows a crashed write as a module, and sweeps stale temporary files", async () => {
    const directory = await freshDirectory();
    await createFilesystemModuleStore({ directory });
    // A crash mid-write leaves a partial temporary file behind.
    const partial = join(directory, "tmp", "deadbeef.tmp");
    await writeFile(partial, numericModule("add").subarray(0, 5));
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(partial, old, old);
    const store = await createFilesystemModuleStore({ directory });
    expect(await readdir(join(directory, "tmp"))).toEqual([]);
    expect(await store.has(await rawCid(numericModule("add")))).toBe(false);
  });

  it("treats keys that are no CID as absent instead of reading outside the store", async () => {
    const store = await createFilesystemModuleStore({ directory: await freshDirectory() });
    expect(await store.get("../../etc/passwd")).toBeUndefined();
    await expect(store.addAlias("../x", "y")).rejects.toThrow(/not a CID/);
  });
});
