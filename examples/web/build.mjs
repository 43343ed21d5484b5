// Builds the page into dist/: index.html and app.js (src/main.ts bundled with the client for browsers).
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Builds the example page into `outputDirectory`.
 * @param {string} [outputDirectory] where index.html and app.js go (default: dist/ beside this file).
 * @returns {Promise<string>} the output directory.
 */
export async function buildWebExample(outputDirectory = join(here, "dist")) {
  await mkdir(outputDirectory, { recursive: true });
  await build({
    entryPoints: [join(here, "src/main.ts")],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: join(outputDirectory, "app.js"),
    logLevel: "warning",
  });
  await copyFile(join(here, "index.html"), join(outputDirectory, "index.html"));
  return outputDirectory;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`built ${await buildWebExample()}`);
}
