// Builds the benchmark and the server process it starts (the server's sources bundled in, npm
// packages left as imports) and runs it. Usage: node benchmarks/sse-fanout/run.mjs
// Environment: SUBSCRIBERS (1000), USERS (50), RATE (200 executions/s), SECONDS (10), REDIS_URL.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
await build({
  entryPoints: {
    "sse-fanout-benchmark": here("./sse-fanout-benchmark.ts"),
    "server-process": here("./server-process.ts"),
  },
  outdir: here("./dist"),
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
await import(here("./dist/sse-fanout-benchmark.mjs"));
