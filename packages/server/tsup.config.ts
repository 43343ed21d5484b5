import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  // import.meta.url in the CommonJS build (module-directory lookup).
  shims: true,
  loader: { ".lua": "text" },
  // The IPFS libraries (and their dependencies) ship ESM only, without a `require` condition:
  // bundling them keeps the CommonJS build loadable.
  noExternal: [/^multiformats(\/|$)/, /^@ipld\//, /^ipfs-unixfs/],
});
