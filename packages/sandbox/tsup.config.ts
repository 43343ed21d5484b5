import { defineConfig } from "tsup";

export default defineConfig({
  // The worker is an entry of its own: the pool starts it from dist, next to index.
  entry: { index: "src/index.ts", "execution-worker": "src/worker/execution-worker.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "node",
  // `import.meta.url` locates the worker script; the shim gives CJS the same URL.
  shims: true,
});
