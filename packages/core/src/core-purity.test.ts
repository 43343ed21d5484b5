import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const sourceDir = join(__dirname);

describe("core purity", () => {
  it("bundles for the browser platform with no Node built-in", async () => {
    const result = await build({
      entryPoints: [join(sourceDir, "index.ts"), join(sourceDir, "sse/index.ts")],
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      outdir: "out",
      logLevel: "silent",
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes("pipeline/create-relay.ts"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
    // The memory stores' lru-cache resolves to its browser build, which loads no node:* module.
    expect(inputs.some((input) => input.includes("lru-cache/dist/esm/browser/"))).toBe(true);
  });

  it("has no node:* import in any source file outside tests", () => {
    const offenders: string[] = [];
    const walk = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name)) {
          if (/from\s+["']node:|require\(["']node:/.test(readFileSync(path, "utf8")))
            offenders.push(path);
        }
      }
    };
    walk(sourceDir);
    expect(offenders).toEqual([]);
  });
});
