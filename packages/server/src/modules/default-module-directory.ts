import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The manifest every module directory holds (`name@tag` → CID); its presence marks one. */
const MANIFEST = "glyphs.json";

/**
 * The bundled example modules (calculator, spin, trap, busy, processor): the directory that
 * holds their `.wasm` files and `glyphs.json`.
 *
 * A built or installed server uses the copy its build put in `dist/modules` (shipped in the
 * package, so a published server needs no other package). Run from source (the repository's
 * `src/`, e.g. under vitest), it uses the workspace package `@wasm-relay/modules`' `dist`.
 * @throws Error when neither is there (the server is not built and the example modules are
 *   not built or not installed), naming the build command.
 */
export function defaultModuleDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const shipped = join(here, "modules");
  if (existsSync(join(shipped, MANIFEST))) return shipped;
  try {
    const workspace = join(
      dirname(createRequire(import.meta.url).resolve("@wasm-relay/modules/package.json")),
      "dist",
    );
    if (existsSync(join(workspace, MANIFEST))) return workspace;
  } catch {
    // Not in the wasm-relay workspace: fall through to the error below.
  }
  throw new Error(
    `the bundled example modules are missing (no ${join(shipped, MANIFEST)}): build the server ` +
      "with `npx turbo run build --filter=@wasm-relay/server...`, or set RELAY_MODULE_DIR",
  );
}
