// Copies the built example modules (`@wasm-relay/modules`' dist: the .wasm files and glyphs.json)
// into dist/modules, so the packed server ships them: `defaultModuleDirectory()` finds them there
// and a published @wasm-relay/server needs no private package. Runs after tsup (`npm run build`).
import { cpSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const serverRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve("@wasm-relay/modules/package.json")), "dist");
if (!existsSync(join(source, "glyphs.json"))) {
  throw new Error(
    `the example modules are not built (${source}/glyphs.json is missing): run \`npx turbo run build --filter=@wasm-relay/server...\``,
  );
}
const target = join(serverRoot, "dist", "modules");
cpSync(source, target, { recursive: true });
console.log(`copied the example modules from ${source} to ${target}`);
