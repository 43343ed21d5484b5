// One multiformats major in the workspace: core parses CIDs with it and the server's IPFS
// libraries (@ipld/*, ipfs-unixfs*) build them with it, so two majors would mean two CID classes
// (and twice the code) in one install. The installed-tarball side is checked in pack-and-install.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const lockfile = fileURLToPath(new URL("../../../../package-lock.json", import.meta.url));

describe("the workspace's package-lock.json", () => {
  it("holds multiformats in one major version only", () => {
    const { packages } = JSON.parse(readFileSync(lockfile, "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    const majors = new Set(
      Object.entries(packages)
        .filter(([path]) => path.split("/").slice(-2).join("/") === "node_modules/multiformats")
        .map(([, entry]) => entry.version?.split(".")[0]),
    );
    expect(majors.size).toBeGreaterThan(0);
    expect([...majors]).toHaveLength(1);
  });
});
