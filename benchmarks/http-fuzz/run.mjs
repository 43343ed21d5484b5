// Builds http-fuzz.ts (with the fuzzer's cases from packages/server/test/hardening bundled
// in, npm packages left as imports) and runs it against the built server
// (packages/server/dist/cli.js). Usage: node benchmarks/http-fuzz/run.mjs [--runs N] [--passes P] [--seed S]
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = fileURLToPath(new URL("./http-fuzz.ts", import.meta.url));
const outfile = fileURLToPath(new URL("./dist/http-fuzz.mjs", import.meta.url));
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
