import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
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
    const modules = await readdir(join(out, "modules"));
    for (const entry of ["core", "sandbox", "server", "client"]) {
      expect(
        modules.some((file) => file.startsWith(entry)),
        `${entry} in ${modules.join(", ")}`,
      ).toBe(true);
    }
  });
});
