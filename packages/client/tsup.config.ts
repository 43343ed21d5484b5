import { defineConfig } from "tsup";

const entry = { index: "src/index.ts", validation: "src/validation.ts" };

export default defineConfig([
  {
    entry,
    format: ["esm"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    platform: "neutral",
  },
  {
    entry,
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    platform: "neutral",
    // ky ships ESM only: bundling it into the CommonJS build keeps `require` working everywhere.
    noExternal: ["ky"],
  },
]);
