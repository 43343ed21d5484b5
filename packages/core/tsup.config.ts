import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", sse: "src/sse/index.ts", testing: "src/testing/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  // multiformats ships ESM only; bundling the few parts core uses keeps `require` working.
  noExternal: ["multiformats"],
  external: ["vitest"],
});
