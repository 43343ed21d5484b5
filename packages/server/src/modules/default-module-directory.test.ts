import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultModuleDirectory } from "./default-module-directory.js";

const serverRoot = fileURLToPath(new URL("../..", import.meta.url));
const workspaceModules = fileURLToPath(
  new URL("../../../../examples/modules/dist", import.meta.url),
);
const shippedModules = fileURLToPath(new URL("../../dist/modules", import.meta.url));

/** `defaultModuleDirectory()` of the built server, loaded from dist as ESM or as CommonJS. */
function builtDefault(format: "esm" | "cjs"): string {
  const program =
    format === "esm"
      ? 'import("@wasm-relay/server").then((server) => console.log(server.defaultModuleDirectory()))'
      : 'console.log(require("@wasm-relay/server").defaultModuleDirectory())';
  return execFileSync(process.execPath, ["-e", program], {
    cwd: serverRoot,
    encoding: "utf8",
  }).trim();
}

describe("defaultModuleDirectory", () => {
  it("is the workspace example-modules package's dist when run from source", () => {
    expect(defaultModuleDirectory().replace(/\/$/, "")).toBe(workspaceModules.replace(/\/$/, ""));
  });

  it.each(["esm", "cjs"] as const)(
    "is the built server's own dist/modules copy, with calculator.wasm and glyphs.json (%s)",
    (format) => {
      const directory = builtDefault(format);
      expect(directory).toBe(shippedModules.replace(/\/$/, ""));
      expect(existsSync(`${directory}/calculator.wasm`)).toBe(true);
      expect(existsSync(`${directory}/glyphs.json`)).toBe(true);
    },
  );
});
