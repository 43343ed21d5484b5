import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const run = promisify(execFile);
let out: string | undefined;

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("npm run docs (TypeDoc for all four packages)", () => {
  it("builds with no warnings, so no export lacks documentation", {
    timeout: 180_000,
  }, async () => {
    out = await mkdtemp(join(tmpdir(), "wasm-relay-typedoc-"));
    // The root typedoc.json, with its output moved aside so the test leaves docs/api alone.
    const result = await run(
      process.execPath,
      [join(ROOT, "node_modules/typedoc/bin/typedoc"), "--out", out],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      },
    ).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
    expect("code" in result ? result.code : 0, output).toBe(0);
    expect(output).not.toMatch(/does not have any documentation/);
    expect(output).not.toMatch(/\[(warning|error)\]/);
    // Modules are titled by package name (`@wasm-relay/client`), not by path (`client/src`).
    const modules = await readdir(join(out, "modules"));
    for (const name of [
      "@wasm-relay/core",
      "@wasm-relay/core/sse",
      "@wasm-relay/core/testing",
      "@wasm-relay/sandbox",
      "@wasm-relay/server",
      "@wasm-relay/client",
      "@wasm-relay/client/validation",
    ]) {
      const file = `${name.replace(/[@/]/g, "_")}.html`;
      expect(modules, name).toContain(file);
      expect(await readFile(join(out, "modules", file), "utf8"), name).toContain(
        `<h1>Module ${name}</h1>`,
      );
    }
    expect(modules.join(", ")).not.toMatch(/src/);
    // The index page is the README.
    const index = await readFile(join(out, "index.html"), "utf8");
    expect(index).toMatch(/Quick start/);
    expect(index).toMatch(/wasm-relay/);
    expect(index).toMatch(/Benchmarks/);
  });

  it("checks links and documentation of properties (typedoc.json)", async () => {
    const config = JSON.parse(await readFile(join(ROOT, "typedoc.json"), "utf8"));
    expect(config.readme).toBe("README.md");
    expect(config.validation).toMatchObject({ invalidLink: true, notDocumented: true });
    expect(config.treatValidationWarningsAsErrors).toBe(true);
    expect(config.requiredToBeDocumented).toEqual(
      expect.arrayContaining(["Property", "Interface", "Function", "Class", "Method", "Variable"]),
    );
  });
});
