import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryGlyphRegistry } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileGlyphRegistry } from "./file-glyph-registry.js";
import { restoreOperatorGlyph } from "./operator-glyphs.js";

const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const OTHER = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-operator-glyphs-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("restoreOperatorGlyph", () => {
  it("takes a name back from another owner in a file registry, dropping its tags, and keeps it across a reload", async () => {
    const file = join(directory, "glyphs.json");
    const registry = await createFileGlyphRegistry(file);
    await registry.publish({ name: "calculator", tag: "quantum", cid: OTHER, userId: "mallory" });
    await registry.publish({ name: "calculator", tag: "evil", cid: OTHER, userId: "mallory" });
    const restored = await restoreOperatorGlyph(registry, {
      name: "calculator",
      tag: "quantum",
      cid: CID,
    });
    expect(restored).toEqual({ displacedOwner: "mallory", kept: false });
    const expected = { name: "calculator", owner: "relay:operator", tags: { quantum: CID } };
    expect(await registry.get("calculator")).toEqual(expected);
    expect(await (await createFileGlyphRegistry(file)).get("calculator")).toEqual(expected);
    const again = await restoreOperatorGlyph(registry, {
      name: "calculator",
      tag: "quantum",
      cid: CID,
    });
    expect(again.displacedOwner).toBeUndefined();
  });

  it("publishes as the operator in a registry that cannot restore", async () => {
    const registry = createMemoryGlyphRegistry();
    await restoreOperatorGlyph(registry, { name: "calculator", tag: "quantum", cid: CID });
    expect((await registry.get("calculator"))?.owner).toBe("relay:operator");
  });
});
