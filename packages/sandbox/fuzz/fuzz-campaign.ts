import { ExecutionSandbox } from "./execution-job.js";
import { generateModule } from "./generate-module.js";
import {
  CHECK_NAMES,
  type CheckName,
  checkModule,
  type Mismatch,
  type ModuleReport,
} from "./meter-checks.js";

/** Options of {@link runFuzzCampaign}. */
export interface CampaignOptions {
  /** Seed of the first module; module i uses `firstSeed + i`. */
  firstSeed: number;
  /** Number of modules to generate and check. */
  count: number;
  /** Modules checked at once (each with its own worker thread). @default 2 */
  concurrency?: number;
  /** Wall-clock limit of one execution. @unit milliseconds @default 10000 */
  executionTimeoutMs?: number;
  /** Called after every module, in completion order. */
  onModule?: (report: ModuleReport) => void;
}

/** The totals of a campaign. */
export interface CampaignSummary {
  /** Modules generated and checked. */
  modules: number;
  /** Seeds for which Binaryen produced no module, or one this Node version does not validate. */
  notGenerated: number;
  counts: Record<CheckName, { passed: number; failed: number; skipped: number }>;
  mismatches: Mismatch[];
  notes: string[];
  /** Wall-clock duration. @unit milliseconds */
  durationMs: number;
}

function emptyReport(seed: number): ModuleReport {
  const counts = Object.fromEntries(
    CHECK_NAMES.map((name) => [name, { passed: 0, failed: 0, skipped: 0 }]),
  ) as ModuleReport["counts"];
  return { seed, counts, mismatches: [], notes: [] };
}

async function checkSeed(
  seed: number,
  sandbox: ExecutionSandbox,
  options: CampaignOptions,
  summary: CampaignSummary,
): Promise<ModuleReport | undefined> {
  let generated: Awaited<ReturnType<typeof generateModule>>;
  try {
    generated = await generateModule(seed);
  } catch (error) {
    summary.notGenerated++;
    options.onModule?.({ ...emptyReport(seed), notGenerated: String(error) });
    return undefined;
  }
  if (!WebAssembly.validate(generated.bytes)) {
    // Binaryen sometimes emits an instruction of a proposal Node 20 does not enable by default
    // (ref.as_non_null): not a module the relay would accept, so not a case for meter().
    summary.notGenerated++;
    options.onModule?.({ ...emptyReport(seed), notGenerated: "invalid in this Node version" });
    return undefined;
  }
  summary.modules++;
  try {
    return await checkModule(seed, generated.bytes, sandbox, {
      ...(options.executionTimeoutMs ? { executionTimeoutMs: options.executionTimeoutMs } : {}),
    });
  } catch (error) {
    // A fault of the harness itself is a mismatch too: it must never pass silently.
    const report = emptyReport(seed);
    report.counts["meter-accepts-valid"].failed++;
    report.mismatches.push({
      check: "meter-accepts-valid",
      seed,
      diagnosis: `the checks threw: ${error instanceof Error ? error.stack : String(error)}`,
      bytes: generated.bytes,
    });
    return report;
  }
}

/**
 * Generates `count` modules with Binaryen and runs every check of {@link checkModule} on each,
 * `concurrency` modules at a time.
 */
export async function runFuzzCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const started = performance.now();
  const summary: CampaignSummary = {
    modules: 0,
    notGenerated: 0,
    counts: Object.fromEntries(
      CHECK_NAMES.map((name) => [name, { passed: 0, failed: 0, skipped: 0 }]),
    ) as CampaignSummary["counts"],
    mismatches: [],
    notes: [],
    durationMs: 0,
  };
  let next = 0;
  const lane = async () => {
    const sandbox = new ExecutionSandbox();
    try {
      while (next < options.count) {
        const seed = options.firstSeed + next++;
        const report = await checkSeed(seed, sandbox, options, summary);
        if (!report) continue;
        for (const name of CHECK_NAMES) {
          summary.counts[name].passed += report.counts[name].passed;
          summary.counts[name].failed += report.counts[name].failed;
          summary.counts[name].skipped += report.counts[name].skipped;
        }
        summary.mismatches.push(...report.mismatches);
        summary.notes.push(...report.notes.map((note) => `seed ${seed}: ${note}`));
        options.onModule?.(report);
      }
    } finally {
      await sandbox.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, lane));
  summary.durationMs = performance.now() - started;
  return summary;
}
