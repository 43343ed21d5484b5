// The long-running differential fuzzer of meter():
//   npm run fuzz -w @wasm-relay/sandbox -- --count 2000 [--seed 1] [--concurrency 2]
//       [--timeout 10000] [--save-corpus]
// Prints one line per mismatch (with the seed to rerun: --seed S --count 1), the per-check
// counts and a closing line `N modules, M mismatches`; exits 1 when there is a mismatch.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runFuzzCampaign } from "./fuzz-campaign.js";
import { CHECK_NAMES } from "./meter-checks.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "2" },
    timeout: { type: "string", default: "10000" },
    "save-corpus": { type: "boolean", default: false },
    "corpus-directory": { type: "string", default: "fuzz/corpus" },
  },
});

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got "${text}"`);
    process.exit(2);
  }
  return value;
}

const count = positiveInteger("count", values.count);
const firstSeed = positiveInteger("seed", values.seed);
let done = 0;
const summary = await runFuzzCampaign({
  firstSeed,
  count,
  concurrency: Math.max(1, positiveInteger("concurrency", values.concurrency)),
  executionTimeoutMs: Math.max(1, positiveInteger("timeout", values.timeout)),
  onModule(report) {
    done++;
    for (const mismatch of report.mismatches) {
      console.log(`MISMATCH ${mismatch.check} seed ${mismatch.seed}: ${mismatch.diagnosis}`);
      if (values["save-corpus"] && mismatch.bytes) {
        mkdirSync(values["corpus-directory"], { recursive: true });
        const file = `${values["corpus-directory"]}/${mismatch.check}-seed-${mismatch.seed}.wasm`;
        writeFileSync(file, mismatch.bytes);
      }
    }
    if (report.notGenerated)
      console.log(`seed ${report.seed}: not generated: ${report.notGenerated}`);
    if (done % 100 === 0) console.log(`… ${done} of ${count} modules`);
  },
});

const seconds = summary.durationMs / 1000;
console.log(
  `seeds ${firstSeed}..${firstSeed + count - 1}; ${seconds.toFixed(1)} s; ${(summary.modules / seconds).toFixed(2)} modules/s; ${summary.notGenerated} seeds not generated`,
);
for (const name of CHECK_NAMES) {
  const { passed, failed, skipped } = summary.counts[name];
  console.log(`  ${name.padEnd(28)} ${passed} passed, ${failed} failed, ${skipped} skipped`);
}
const noteClasses = new Map<string, number>();
for (const note of summary.notes) {
  const key = note
    .replace(/^seed \d+: /, "")
    .replace(/\d+/g, "N")
    .slice(0, 120);
  noteClasses.set(key, (noteClasses.get(key) ?? 0) + 1);
}
for (const [note, times] of noteClasses) console.log(`  note (${times}×, no mismatch): ${note}`);
console.log(`${summary.modules} modules, ${summary.mismatches.length} mismatches`);
process.exitCode = summary.mismatches.length > 0 ? 1 : 0;
