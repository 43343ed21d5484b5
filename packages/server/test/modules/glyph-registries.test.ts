import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { glyphRegistryConformance } from "@wasm-relay/core/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createFileGlyphRegistry } from "../../src/modules/file-glyph-registry.js";
import { createRedisGlyphRegistry } from "../../src/modules/redis-glyph-registry.js";
import { locateRedis } from "../redis/locate-redis.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";

const CID = "bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom";
const directory = await mkdtemp(join(tmpdir(), "relay-glyphs-"));
const located = await locateRedis();
const redis = located ? new Redis(located.url) : undefined;
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  redis?.disconnect();
  await located?.release();
});

glyphRegistryConformance({
  name: "file",
  create: () => createFileGlyphRegistry(join(directory, `registry-${randomUUID()}.json`)),
});

if (redis) {
  glyphRegistryConformance({
    name: "redis",
    create: () => createRedisGlyphRegistry({ redis, keyPrefix: testKeyPrefix("glyphs") }),
  });
}

describe("file glyph registry", () => {
  it("keeps names and owners across a restart", async () => {
    const path = join(directory, "nested", "persist.json");
    const first = await createFileGlyphRegistry(path);
    await first.publish({ name: "calc", tag: "latest", cid: CID, userId: "alice" });
    const reopened = await createFileGlyphRegistry(path);
    expect(await reopened.lookup("calc", "latest")).toBe(CID);
    expect(
      await reopened.publish({ name: "calc", tag: "latest", cid: CID, userId: "bob" }),
    ).toEqual({ published: false, owner: "alice" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      version: 1,
      names: { calc: { owner: "alice", tags: { latest: CID } } },
    });
  });

  it("refuses a file that is no registry, naming it", async () => {
    const path = join(directory, "broken.json");
    await writeFile(path, "[1,2]");
    await expect(createFileGlyphRegistry(path)).rejects.toThrow(
      /broken\.json: not a glyph registry/,
    );
  });
});

describe.skipIf(!redis)("redis glyph registry", () => {
  it("shares one name between two relay instances", async () => {
    const keyPrefix = testKeyPrefix("glyph-share");
    const other = new Redis(located?.url ?? "");
    try {
      const one = createRedisGlyphRegistry({ redis: redis!, keyPrefix });
      const two = createRedisGlyphRegistry({ redis: other, keyPrefix });
      await one.publish({ name: "shared", tag: "latest", cid: CID, userId: "alice" });
      expect(await two.lookup("shared", "latest")).toBe(CID);
      expect(await two.publish({ name: "shared", tag: "x", cid: CID, userId: "bob" })).toEqual({
        published: false,
        owner: "alice",
      });
    } finally {
      other.disconnect();
    }
  });
});
