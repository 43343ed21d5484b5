import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFileGlyphRegistry } from "../../src/modules/file-glyph-registry.js";
import { createFilesystemModuleStore } from "../../src/modules/filesystem-module-store.js";
import { createLayeredModuleResolver } from "../../src/modules/layered-module-resolver.js";
import { runModulesCommand } from "../../src/modules/modules-command.js";
import { referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

const directory = await mkdtemp(join(tmpdir(), "relay-cli-"));
afterAll(() => rm(directory, { recursive: true, force: true }));

function capture() {
  const output = { stdout: "", stderr: "" };
  return {
    output,
    sink: {
      stdout: (text: string) => {
        output.stdout += text;
      },
      stderr: (text: string) => {
        output.stderr += text;
      },
    },
  };
}

describe("relay-server modules add", () => {
  it("stores the file, publishes its name and prints the CID before any server runs", async () => {
    const bytes = numericModule("mul", 300 * 1024, 31);
    const file = join(directory, "multiply.wasm");
    await writeFile(file, bytes);
    const environment = {
      RELAY_MODULE_STORE_DIR: join(directory, "store"),
      RELAY_GLYPH_REGISTRY_FILE: join(directory, "glyphs.json"),
    };
    const { output, sink } = capture();
    const code = await runModulesCommand(
      ["add", file, "--name", "multiply@1.0.0"],
      environment,
      sink,
    );
    expect(code, output.stderr).toBe(0);
    const cid = (await referenceImport(bytes, "raw")).root.toString();
    expect(output.stdout).toBe(`${cid}\n`);
    expect(output.stderr).toContain((await referenceImport(bytes, "classic")).root.toString());

    // What a server started with the same settings would find:
    const resolver = createLayeredModuleResolver({
      store: await createFilesystemModuleStore({ directory: environment.RELAY_MODULE_STORE_DIR }),
      registry: await createFileGlyphRegistry(environment.RELAY_GLYPH_REGISTRY_FILE),
    });
    const resolved = await resolver.resolve("glyph://multiply@1.0.0");
    expect(resolved).toEqual({ cid, bytes });
    expect((await resolver.registry.get("multiply"))?.owner).toBe("relay:operator");
  });

  it("refuses a file that is not WebAssembly, a bad name and a missing registry", async () => {
    const text = join(directory, "notes.txt");
    await writeFile(text, "not wasm");
    const notWasm = capture();
    expect(await runModulesCommand(["add", text], {}, notWasm.sink)).toBe(65);
    expect(notWasm.output.stderr).toContain("not a valid WebAssembly module");
    const module = join(directory, "add.wasm");
    await writeFile(module, numericModule("add"));
    expect(await runModulesCommand(["add", module, "--name", "Bad Name"], {}, capture().sink)).toBe(
      64,
    );
    const noRegistry = capture();
    expect(
      await runModulesCommand(["add", module, "--name", "add@latest"], {}, noRegistry.sink),
    ).toBe(64);
    expect(noRegistry.output.stderr).toContain("RELAY_GLYPH_REGISTRY_FILE");
    expect(await runModulesCommand(["remove", module], {}, capture().sink)).toBe(64);
  });

  it("prints the CID without storing anything when no store is configured", async () => {
    const bytes = numericModule("add", 10, 32);
    const file = join(directory, "plain.wasm");
    await writeFile(file, bytes);
    const { output, sink } = capture();
    expect(await runModulesCommand(["add", file], {}, sink)).toBe(0);
    expect(output.stdout.trim()).toBe((await referenceImport(bytes, "raw")).root.toString());
    expect(output.stderr).toContain("nothing stored");
  });
});
