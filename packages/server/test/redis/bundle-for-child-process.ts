import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const artifacts = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

/**
 * Bundles a TypeScript entry (our sources included, npm packages left as imports) into
 * `packages/server/test-artifacts/<name>.mjs`, so that a test can run the real code in a child
 * process that it can kill.
 * @returns the path of the bundle.
 */
export async function bundleForChildProcess(entry: URL): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const outfile = join(artifacts, basename(fileURLToPath(entry)).replace(/\.ts$/, ".mjs"));
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  return outfile;
}
