// Builds rate-limit-benchmark.ts (with the server's Redis adapter sources bundled in, npm
// packages left as imports) and runs it. Usage: node benchmarks/rate-limit/run.mjs
// Environment: REDIS_URL (default redis://127.0.0.1:6379), DECISIONS, CONCURRENCY, KEYS.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = fileURLToPath(new URL("./rate-limit-benchmark.ts", import.meta.url));
const outfile = fileURLToPath(new URL("./dist/rate-limit-benchmark.mjs", import.meta.url));
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
await import(outfile);
