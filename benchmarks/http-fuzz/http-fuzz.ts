// The long HTTP fuzzer: `--runs` random raw requests (default 20000) in `--passes` passes
// against a real relay server process, printing `N requests, M 5xx` and the server's RSS
// after each pass. Exits 1 on any 5xx, unanswered well-framed request, or crash.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import {
  FUZZ_SERVER_ENVIRONMENT,
  type FuzzResult,
  fuzzRequestArbitrary,
  residentBytes,
  runFuzzPass,
} from "../../packages/server/test/hardening/http-fuzz-cases.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20000" },
    passes: { type: "string", default: "5" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    concurrency: { type: "string", default: "16" },
  },
});
const runs = Number(values.runs);
const passes = Math.max(1, Number(values.passes));
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);

const cli = fileURLToPath(new URL("../../../packages/server/dist/cli.js", import.meta.url));
const child = spawn(process.execPath, [cli], {
  env: { ...process.env, PORT: "0", LOG_LEVEL: "silent", ...FUZZ_SERVER_ENVIRONMENT },
  stdio: ["ignore", "ignore", "pipe"],
});
let stderr = "";
const url = await new Promise<string>((resolve, reject) => {
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const found = /listening on (http:\/\/\S+)/.exec(stderr);
    if (found?.[1]) resolve(found[1]);
  });
  child.once("exit", (code) => reject(new Error(`the server exited (${code}):\n${stderr}`)));
});
let crashed = false;
child.once("exit", () => {
  crashed = true;
});

console.log(`http-fuzz: seed ${seed}, ${runs} requests in ${passes} passes against ${url}`);
let total = 0;
const serverErrors: FuzzResult[] = [];
const unanswered: FuzzResult[] = [];
const statuses: Record<string, number> = {};
const resident: number[] = [];
const perPass = Math.ceil(runs / passes);
for (let pass = 0; pass < passes && !crashed; pass++) {
  const requests = fc.sample(fuzzRequestArbitrary, { numRuns: perPass, seed: seed + pass });
  const report = await runFuzzPass(url, requests, { concurrency, waitMs: 5_000 });
  total += report.requests;
  serverErrors.push(...report.serverErrors);
  unanswered.push(...report.unanswered);
  for (const [status, count] of Object.entries(report.statuses)) {
    statuses[status] = (statuses[status] ?? 0) + count;
  }
  if (crashed) break;
  resident.push(await residentBytes(url));
  console.log(
    `  pass ${pass + 1}: ${report.requests} requests, ${report.serverErrors.length} 5xx, RSS ${(resident.at(-1)! / 1048576).toFixed(1)} MiB`,
  );
}
console.log(`statuses: ${JSON.stringify(statuses)}`);
console.log(`${total} requests, ${serverErrors.length} 5xx`);
console.log(
  `${unanswered.length} well-framed requests unanswered; server ${crashed ? "CRASHED" : "alive"}`,
);
for (const result of [...serverErrors, ...unanswered].slice(0, 10)) {
  console.log(
    `  ${result.request.description} → ${result.status ?? "no answer"}: ${result.excerpt.split("\r\n")[0]}`,
  );
}
const errorLines = stderr.split("\n").filter((line) => line.startsWith("error"));
console.log(`${errorLines.length} error lines logged by the server`);
for (const line of errorLines.slice(0, 5)) console.log(`  ${line.slice(0, 200)}`);
if (/MaxListenersExceededWarning|Unhandled|RangeError/.test(stderr))
  console.log(`server stderr:\n${stderr}`);
child.kill("SIGKILL");
process.exitCode =
  errorLines.length > 0 || serverErrors.length > 0 || unanswered.length > 0 || crashed ? 1 : 0;
