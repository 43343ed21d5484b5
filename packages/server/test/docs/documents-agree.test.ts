import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const read = (path: string) => readFile(`${root}${path}`, "utf8");

describe("the documents agree with each other and with the server", () => {
  it("execution_queued.position is 1-based everywhere (the pool's first in line is 1)", async () => {
    for (const path of ["docs/events.md", "docs/http-api.md", "docs/getting-started.md"]) {
      const text = await read(path);
      expect(text, path).not.toMatch(/"position":\s*0/);
      expect(text, path).not.toMatch(/0 = runs at once/);
      expect(text, path).toMatch(/"position":\s*1|1-based/);
    }
    for (const path of ["docs/events.md", "docs/http-api.md"]) {
      expect(await read(path), path).toMatch(/`position` \(1-based/);
    }
  });

  it("the README does not say replays are free of the rate limit", async () => {
    const readme = await read("README.md");
    expect(readme).not.toMatch(/eleventh distinct request/);
    expect(readme).toMatch(/replays included/);
  });

  it("http-api.md says what RateLimit's t means while quota remains", async () => {
    expect(await read("docs/http-api.md")).toMatch(/`t` seconds until\s+the window frees a slot/);
  });
});
