import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as sources from "./lua-script-sources.js";
import { LUA_SCRIPTS } from "./lua-scripts.js";

const folder = new URL("./lua/", import.meta.url);
const files = readdirSync(folder).filter((name) => name.endsWith(".lua"));

describe("Lua script sources", () => {
  it("holds exactly the text of every .lua file (regenerate with lua/generate-lua-script-sources.mjs)", () => {
    expect(files.length).toBe(8);
    const generated = sources as Record<string, string>;
    expect(Object.keys(generated).sort()).toEqual(
      files
        .map((file) =>
          file
            .replace(/\.lua$/, "")
            .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
        )
        .map((name) => `${name}Lua`)
        .sort(),
    );
    for (const file of files) {
      const name = file
        .replace(/\.lua$/, "")
        .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
      expect(generated[`${name}Lua`], file).toBe(readFileSync(new URL(file, folder), "utf8"));
    }
  });

  it("names every script after its file and hashes its text with SHA-1", () => {
    for (const script of Object.values(LUA_SCRIPTS)) {
      const text = readFileSync(new URL(`${script.name}.lua`, folder), "utf8");
      expect(script.source).toBe(text);
      expect(script.sha1).toBe(createHash("sha1").update(text).digest("hex"));
      expect(script.sha1).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});
