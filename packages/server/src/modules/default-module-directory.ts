import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The bundled example modules (`@wasm-relay/modules`' `dist`): calculator, spin, trap…
 * @throws Error when the example package is not installed or not built.
 */
export function defaultModuleDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@wasm-relay/modules/package.json")), "dist");
}
