import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createInMemoryMetrics,
  createMemoryGlyphRegistry,
  createMemoryModuleStore,
  ModuleNotFoundError,
  ModuleSourceUnavailableError,
} from "@wasm-relay/core";
import { afterAll, describe, expect, it } from "vitest";
import { createFilesystemModuleStore } from "../../src/modules/filesystem-module-store.js";
import { createLayeredModuleResolver } from "../../src/modules/layered-module-resolver.js";
import { numericModule } from "./wasm-fixtures.js";

const directory = await mkdtemp(join(tmpdir(), "relay-layers-"));
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("layered module resolver", () => {
  it("looks glyph names up on every request, so a moved tag takes effect at once", async () => {
    const registry = createMemoryGlyphRegistry();
    const resolver = createLayeredModuleResolver({ store: createMemoryModuleStore(), registry });
    const adder = await resolver.add(numericModule("add", 0, 51));
    const multiplier = await resolver.add(numericModule("mul", 0, 52));
    await registry.publish({ name: "calc", tag: "latest", cid: adder.cid, userId: "alice" });
    expect((await resolver.resolve("glyph://calc@latest")).cid).toBe(adder.cid);
    await registry.publish({ name: "calc", tag: "latest", cid: multiplier.cid, userId: "alice" });
    expect((await resolver.resolve("glyph://calc@latest")).cid).toBe(multiplier.cid);
    await expect(resolver.resolve("glyph://calc@missing")).rejects.toBeInstanceOf(
      ModuleNotFoundError,
    );
  });

  it("keeps resolving a known glyph to its last answer while the registry is unreachable", async () => {
    const memory = createMemoryGlyphRegistry();
    let reachable = true;
    const registry: typeof memory = {
      ...memory,
      lookup: async (name, tag) => {
        if (!reachable) throw new Error("registry unreachable");
        return memory.lookup(name, tag);
      },
    };
    const resolver = createLayeredModuleResolver({ store: createMemoryModuleStore(), registry });
    const adder = await resolver.add(numericModule("add", 0, 54));
    await memory.publish({ name: "calc", tag: "latest", cid: adder.cid, userId: "alice" });
    expect((await resolver.resolve("glyph://calc@latest")).cid).toBe(adder.cid);
    reachable = false;
    expect((await resolver.resolve("glyph://calc@latest")).cid).toBe(adder.cid);
    await expect(resolver.resolve("glyph://calc@never-seen")).rejects.toBeInstanceOf(
      ModuleSourceUnavailableError,
    );
  });

  it("resolves a module by its raw CID, its CIDv0 and the CIDv1 form of that CIDv0", async () => {
    const resolver = createLayeredModuleResolver({
      store: createMemoryModuleStore(),
      registry: createMemoryGlyphRegistry(),
    });
    const added = await resolver.add(numericModule("add", 300 * 1024, 53));
    const classic = added.aliases[0]!;
    expect(classic).toMatch(/^Qm/);
    const { CID } = await import("multiformats/cid");
    const classicAsV1 = CID.parse(classic).toV1().toString();
    for (const reference of [added.cid, classic, classicAsV1]) {
      expect((await resolver.resolve(reference)).cid).toBe(added.cid);
    }
  });

  it("never returns bytes a damaged store file holds", async () => {
    const metrics = createInMemoryMetrics();
    const storeDirectory = join(directory, "damaged");
    const bytes = numericModule("add", 0, 54);
    const writer = createLayeredModuleResolver({
      store: await createFilesystemModuleStore({ directory: storeDirectory }),
      registry: createMemoryGlyphRegistry(),
    });
    const { cid } = await writer.add(bytes);
    const shard = join(storeDirectory, "modules", cid.slice(-2));
    expect(await readdir(shard)).toEqual([cid]);
    const damaged = bytes.slice();
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
    await writeFile(join(shard, cid), damaged);
    // A fresh resolver (a restarted server) has nothing in memory: it must read the store.
    const reader = createLayeredModuleResolver({
      store: await createFilesystemModuleStore({ directory: storeDirectory }),
      registry: createMemoryGlyphRegistry(),
      metrics,
    });
    await expect(reader.resolve(cid)).rejects.toBeInstanceOf(ModuleNotFoundError);
    expect(metrics.count("relay.modules.verification_failed")).toBe(1);
  });

  it("stops a caller's wait when its signal aborts", async () => {
    const resolver = createLayeredModuleResolver({
      store: createMemoryModuleStore(),
      registry: createMemoryGlyphRegistry(),
    });
    const { cid } = await resolver.add(numericModule("add", 0, 55));
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await expect(resolver.resolve(cid, { signal: controller.signal })).rejects.toThrow(
      "shutting down",
    );
  });
});

describe("the memory cache of module bytes", () => {
  /** A resolver over a fresh memory store whose cache holds `cacheBytes`, and its metrics. */
  function resolverWithCache(cacheBytes: number) {
    const metrics = createInMemoryMetrics();
    const resolver = createLayeredModuleResolver({
      store: createMemoryModuleStore(),
      registry: createMemoryGlyphRegistry(),
      cacheBytes,
      metrics,
    });
    /** Resolves `cid` and says whether the memory layer answered. */
    const fromMemory = async (cid: string) => {
      const before = metrics.count("relay.modules.resolved", { layer: "memory" });
      await resolver.resolve(cid);
      return metrics.count("relay.modules.resolved", { layer: "memory" }) > before;
    };
    return { resolver, fromMemory };
  }

  it("evicts the least recently used modules to stay within its byte budget", async () => {
    const modules = [1, 2, 3].map((salt) => numericModule("add", 16, 70 + salt));
    const size = modules[0]!.length;
    expect(modules.every((bytes) => bytes.length === size)).toBe(true);
    const { resolver, fromMemory } = resolverWithCache(2 * size);
    const first = await resolver.add(modules[0]!);
    const second = await resolver.add(modules[1]!);
    expect(await fromMemory(first.cid)).toBe(true); // first is now the most recent
    const third = await resolver.add(modules[2]!);
    expect(await fromMemory(third.cid)).toBe(true);
    expect(await fromMemory(first.cid)).toBe(true);
    expect(await fromMemory(second.cid)).toBe(false); // evicted, read again from the store
  });

  it("does not cache a module larger than the whole budget, and caches nothing at 0", async () => {
    const module = numericModule("add", 16, 80);
    for (const cacheBytes of [module.length - 1, 0]) {
      const { resolver, fromMemory } = resolverWithCache(cacheBytes);
      const { cid } = await resolver.add(module);
      expect(await fromMemory(cid)).toBe(false);
      expect(await fromMemory(cid)).toBe(false);
    }
    expect(() => resolverWithCache(-1)).toThrow(RangeError);
  });

  it("never holds more module bytes than its budget (conformance of bounds)", async () => {
    const modules = Array.from({ length: 20 }, (_, salt) => numericModule("add", 16, 100 + salt));
    const size = modules[0]!.length;
    const budget = 5 * size + size / 2;
    const { resolver, fromMemory } = resolverWithCache(budget);
    const cids: string[] = [];
    for (const bytes of modules) cids.push((await resolver.add(bytes)).cid);
    // Newest first: a module read from the store evicts only modules already counted.
    let held = 0;
    for (const cid of cids.reverse()) if (await fromMemory(cid)) held += 1;
    expect(held).toBe(5);
    expect(held * size).toBeLessThanOrEqual(budget);
  });
});
