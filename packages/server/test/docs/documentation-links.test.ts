import { access, readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The guides (docs/*.md), the root README and the examples' READMEs. */
async function documents(): Promise<string[]> {
  const guides = (await readdir(join(ROOT, "docs")))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(ROOT, "docs", name));
  const examples = ["node", "embed"].map((name) => join(ROOT, "examples", name, "README.md"));
  return [join(ROOT, "README.md"), ...guides, ...examples];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("documentation links", () => {
  it("every relative link of the guides and READMEs points at a file that exists", async () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of await documents()) {
      const text = await readFile(file, "utf8");
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        checked += 1;
        const path = resolve(dirname(file), decodeURIComponent(target.split("#")[0]!));
        if (!(await exists(path))) broken.push(`${file.slice(ROOT.length)} → ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });

  it("the README links every guide", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    for (const guide of [
      "getting-started",
      "architecture",
      "security",
      "scaling",
      "http-api",
      "configuration",
      "observability",
    ]) {
      expect(readme).toContain(`(docs/${guide}.md)`);
    }
  });
});
