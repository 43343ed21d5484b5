import { describe, expect, it } from "vitest";
import type { GlyphRegistry } from "../ports/glyph-registry.js";
import type { StoreFactory } from "./rate-limit-store-conformance.js";

const CID_A = "bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom";
const CID_B = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";

/** A name no other test uses: registries may be shared between tests. */
function uniqueName(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The behaviour every {@link GlyphRegistry} must show. */
export function glyphRegistryConformance(factory: StoreFactory<GlyphRegistry>): void {
  describe(`GlyphRegistry conformance: ${factory.name}`, () => {
    it("gives the name to its first publisher and resolves the tag", async () => {
      const registry = await factory.create();
      const name = uniqueName("first");
      expect(await registry.lookup(name, "latest")).toBeUndefined();
      expect(await registry.get(name)).toBeUndefined();
      const result = await registry.publish({ name, tag: "latest", cid: CID_A, userId: "alice" });
      expect(result).toEqual({ published: true, claimed: true, previousCid: undefined });
      expect(await registry.lookup(name, "latest")).toBe(CID_A);
      expect(await registry.get(name)).toEqual({ name, owner: "alice", tags: { latest: CID_A } });
    });

    it("lets the owner move a tag and add others", async () => {
      const registry = await factory.create();
      const name = uniqueName("move");
      await registry.publish({ name, tag: "latest", cid: CID_A, userId: "alice" });
      const moved = await registry.publish({ name, tag: "latest", cid: CID_B, userId: "alice" });
      expect(moved).toEqual({ published: true, claimed: false, previousCid: CID_A });
      await registry.publish({ name, tag: "1.0.0", cid: CID_A, userId: "alice" });
      expect(await registry.lookup(name, "latest")).toBe(CID_B);
      expect((await registry.get(name))?.tags).toEqual({ latest: CID_B, "1.0.0": CID_A });
    });

    it("refuses anyone but the owner and changes nothing", async () => {
      const registry = await factory.create();
      const name = uniqueName("owner");
      await registry.publish({ name, tag: "latest", cid: CID_A, userId: "alice" });
      expect(
        await registry.publish({ name, tag: "latest", cid: CID_B, userId: "mallory" }),
      ).toEqual({ published: false, owner: "alice" });
      expect(await registry.publish({ name, tag: "evil", cid: CID_B, userId: "mallory" })).toEqual({
        published: false,
        owner: "alice",
      });
      expect(await registry.get(name)).toEqual({ name, owner: "alice", tags: { latest: CID_A } });
    });

    it("gives a raced name to exactly one of several first publishers", async () => {
      const registry = await factory.create();
      const name = uniqueName("race");
      const users = ["u1", "u2", "u3", "u4", "u5"];
      const results = await Promise.all(
        users.map((userId) => registry.publish({ name, tag: "latest", cid: CID_A, userId })),
      );
      expect(results.filter((result) => result.published)).toHaveLength(1);
      const owner = (await registry.get(name))?.owner;
      expect(users).toContain(owner);
      for (const result of results) if (!result.published) expect(result.owner).toBe(owner);
    });

    it("keeps names apart", async () => {
      const registry = await factory.create();
      const one = uniqueName("one");
      const two = uniqueName("two");
      await registry.publish({ name: one, tag: "latest", cid: CID_A, userId: "alice" });
      await registry.publish({ name: two, tag: "latest", cid: CID_B, userId: "bob" });
      expect(await registry.lookup(one, "latest")).toBe(CID_A);
      expect(await registry.lookup(two, "latest")).toBe(CID_B);
      expect(await registry.lookup(one, "quantum")).toBeUndefined();
    });
  });
}
