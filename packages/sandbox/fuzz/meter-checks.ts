import { InvalidModuleError } from "../src/binary/invalid-module-error.js";
import { readModuleInfo } from "../src/binary/module-info.js";
import { MemoryLimitError } from "../src/metering/memory-limit-error.js";
import { meter } from "../src/metering/meter.js";
import type {
  CallRecord,
  ExecutionJob,
  ExecutionObservation,
  ExecutionResult,
  ExecutionSandbox,
  ExportCall,
  ImportEntry,
} from "./execution-job.js";
import {
  counterSlotMutants,
  exportMemory,
  functionCount,
  mutateBytes,
  removeHangLimits,
} from "./module-edits.js";
import { SeededRandom } from "./seeded-random.js";
import { randomLeafCallLoop } from "./shape-modules.js";

/** The properties checked on every generated module, in report order. */
export const CHECK_NAMES = [
  "meter-accepts-valid",
  "differential",
  "gas-determinism",
  "gas-determinism-after-trap",
  "budget-below-total",
  "never-ending-stops",
  "mutant-refused",
  "mutant-never-valid",
] as const;

/** One checked property. */
export type CheckName = (typeof CHECK_NAMES)[number];

/** A failed check on one module, with what to rerun. */
export interface Mismatch {
  check: CheckName;
  seed: number;
  /** One line: what differed. */
  diagnosis: string;
  /** The bytes that show it (the module or the mutant), for the corpus. */
  bytes?: Uint8Array;
}

/** Counts of one module's checks. */
export interface ModuleReport {
  seed: number;
  /** Per check: passed, failed and skipped (not applicable or inconclusive) cases. */
  counts: Record<CheckName, { passed: number; failed: number; skipped: number }>;
  mismatches: Mismatch[];
  /** Why no check ran (the module could not be generated). */
  notGenerated?: string;
  /** Observations that are no mismatch, such as the error class meter() threw for a mutant. */
  notes: string[];
}

/** Gas counted past an exhausted budget that the metering may allow (issue 12, item 3). @unit gas */
export const OVERSHOOT_BOUND = 10_000n;
/** Where the metered module asks for gas in the fuzz runs. */
export const REFILL_IMPORT = { module: "__relay_metering", name: "refill" } as const;
const GAS_EXPORT = "__relay_gas";
/** Budget of the reference metered run: large enough for any generated module. @unit gas */
const UNLIMITED = 10n ** 15n;
/** The sandbox's largest refill chunk, used by the reference run. @unit gas */
const REFERENCE_CHUNK = 4n * 1024n * 1024n;
/** Budget of the never-ending variants. @unit gas */
const NEVER_ENDING_BUDGET = 1_000_000n;
/** Mutants tried per module. */
const MUTANTS_PER_MODULE = 12;

/** Options of {@link checkModule}. */
export interface CheckOptions {
  /** Wall-clock limit of one execution. @unit milliseconds @default 10000 */
  executionTimeoutMs?: number;
  /** Mutants tried per module. @default 12 */
  mutants?: number;
}

/** The sandbox's refill chunk for a budget: 1% of it, between 64 Ki and 4 Mi. */
export function sandboxChunk(budget: bigint): bigint {
  const percent = (budget + 99n) / 100n;
  const low = 64n * 1024n;
  return percent < low ? low : percent > REFERENCE_CHUNK ? REFERENCE_CHUNK : percent;
}

function argumentFor(type: string, random: SeededRandom): unknown {
  switch (type) {
    case "i32":
      return random.pick([0, 1, -1, 7, 0x7fffffff, -0x80000000, random.nextUint32() | 0]);
    case "i64":
      return random.pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(random.nextUint32())]);
    case "f32":
    case "f64":
      return random.pick([0, -0, 1.5, -2.25, Number.NaN, Number.POSITIVE_INFINITY, 1e30]);
    default:
      return null; // references; v128 cannot cross to JavaScript and traps alike in both runs
  }
}

/** A module prepared for running: its bytes, the imports to provide and the exports to call. */
export interface Subject {
  bytes: Uint8Array<ArrayBuffer>;
  imports: ImportEntry[];
  exports: ExportCall[];
}

/**
 * Describes a module for the execution worker: imports (with result types) and every exported
 * function with deterministic arguments derived from `seed`.
 * @throws InvalidModuleError when the module cannot be parsed.
 */
export function describeSubject(bytes: Uint8Array<ArrayBuffer>, seed: number): Subject {
  const info = readModuleInfo(bytes);
  const random = new SeededRandom(seed ^ 0x5eed);
  const imports: ImportEntry[] = info.imports.map((entry) => ({
    module: entry.module,
    name: entry.name,
    kind: entry.kind,
    ...(entry.type ? { results: entry.type.results } : {}),
  }));
  const exports: ExportCall[] = info.exports
    .filter((entry) => entry.kind === "function")
    .map((entry) => ({
      name: entry.name,
      args: (entry.type?.params ?? []).map((type) => argumentFor(type, random)),
    }));
  return { bytes, imports, exports };
}

/** The job that runs `metered` (metered `subject`) with `budget` gas handed out in `chunk`s. */
export function meteredJob(
  subject: Subject,
  metered: Uint8Array,
  budget: bigint,
  chunk: bigint,
): ExecutionJob {
  return {
    bytes: metered,
    imports: [...subject.imports, { ...REFILL_IMPORT, kind: "function" as const }],
    exports: subject.exports,
    gas: {
      budget,
      chunk,
      refillModule: REFILL_IMPORT.module,
      refillName: REFILL_IMPORT.name,
      exportName: GAS_EXPORT,
    },
  };
}

function sameCall(left: CallRecord | undefined, right: CallRecord | undefined): boolean {
  return (
    left?.name === right?.name &&
    left?.outcome === right?.outcome &&
    left?.detail === right?.detail &&
    left?.caught === right?.caught
  );
}

/** The first difference between two observations' behaviour (not gas), or undefined. */
export function behaviourDifference(
  original: ExecutionObservation,
  metered: ExecutionObservation,
): string | undefined {
  if (original.instantiateError !== metered.instantiateError)
    return `instantiation: ${original.instantiateError} vs ${metered.instantiateError}`;
  const calls = Math.max(original.calls.length, metered.calls.length);
  for (let index = 0; index < calls; index++) {
    const left = original.calls[index];
    const right = metered.calls[index];
    if (!sameCall(left, right))
      return `call ${index} ${left?.name}: ${left?.outcome} ${left?.detail} vs ${right?.outcome} ${right?.detail}`;
  }
  const events = Math.max(original.events.length, metered.events.length);
  for (let index = 0; index < events; index++) {
    if (original.events[index] !== metered.events[index])
      return `import call ${index}: ${original.events[index]} vs ${metered.events[index]}`;
  }
  if (original.droppedEvents !== metered.droppedEvents) return "number of import calls differs";
  const state = original.state.join("; ");
  if (state !== metered.state.join("; "))
    return `final state: ${state} vs ${metered.state.join("; ")}`;
  return undefined;
}

/**
 * Index of the first call that trapped or in which a host import caught a trap (or, when none
 * did, the number of calls): gas billed from there on depends on how traps are billed.
 */
function firstTrap(observation: ExecutionObservation): number {
  const index = observation.calls.findIndex(
    (call) => call.outcome !== "value" || (call.caught ?? 0) > 0,
  );
  return index === -1 ? observation.calls.length : index;
}

function totalGas(observation: ExecutionObservation): bigint {
  const last = observation.calls.at(-1)?.gasAfter;
  return last === undefined ? 0n : BigInt(last);
}

function isRefusal(error: unknown): boolean {
  return error instanceof InvalidModuleError || error instanceof MemoryLimitError;
}

/**
 * Checks one valid module (`raw`, from the generator) against every property of
 * {@link CHECK_NAMES}: its byte mutants, the original against the metered module, gas under
 * other chunks and budgets, a budget below its total, its never-ending variant and one module
 * of item 3's shape, each execution in `sandbox` under a wall-clock limit. Arguments, budgets
 * and mutants derive from `seed`.
 */
export async function checkModule(
  seed: number,
  raw: Uint8Array<ArrayBuffer>,
  sandbox: ExecutionSandbox,
  options: CheckOptions = {},
): Promise<ModuleReport> {
  const timeout = options.executionTimeoutMs ?? 10_000;
  const counts = Object.fromEntries(
    CHECK_NAMES.map((name) => [name, { passed: 0, failed: 0, skipped: 0 }]),
  ) as ModuleReport["counts"];
  const mismatches: Mismatch[] = [];
  const report: ModuleReport = { seed, counts, mismatches, notes: [] };
  const pass = (check: CheckName) => counts[check].passed++;
  const skip = (check: CheckName) => counts[check].skipped++;
  const fail = (check: CheckName, diagnosis: string, bytes?: Uint8Array) => {
    counts[check].failed++;
    mismatches.push({ check, seed, diagnosis, ...(bytes ? { bytes } : {}) });
  };
  const random = new SeededRandom(seed ^ 0x6a55);
  const observe = async (job: ExecutionJob): Promise<ExecutionResult> =>
    await sandbox.run(job, timeout);

  checkMutants(seed, raw, new SeededRandom(seed ^ 0x3107), options.mutants ?? MUTANTS_PER_MODULE, {
    pass,
    fail,
    note: (text) => report.notes.push(text),
  });

  const subject = describeSubject(exportMemory(raw), seed);
  let metered: Uint8Array;
  try {
    metered = meter(subject.bytes, {
      refillImport: REFILL_IMPORT,
      gasExportName: GAS_EXPORT,
    }).bytes;
  } catch (error) {
    fail("meter-accepts-valid", `meter() refused a valid module: ${String(error)}`, raw);
    return report;
  }
  if (!WebAssembly.validate(metered as Uint8Array<ArrayBuffer>)) {
    fail("meter-accepts-valid", "meter() returned an invalid module for a valid one", raw);
    return report;
  }
  pass("meter-accepts-valid");

  const original = await observe({
    bytes: subject.bytes,
    imports: subject.imports,
    exports: subject.exports,
  });
  const reference = await observe(meteredJob(subject, metered, UNLIMITED, REFERENCE_CHUNK));
  if (reference.kind !== "observed") {
    const what = reference.kind === "timeout" ? "timed out" : `crashed: ${reference.message}`;
    if (original.kind === "observed") fail("differential", `metered run ${what}`, raw);
    else skip("differential");
    return report;
  }
  const referenceRun = reference.observation;
  if (
    original.kind !== "observed" ||
    original.observation.inconclusive ||
    referenceRun.inconclusive
  ) {
    skip("differential");
  } else {
    const difference = behaviourDifference(original.observation, referenceRun);
    if (difference) fail("differential", difference, raw);
    else pass("differential");
  }

  // Gas determinism: the same run under other chunks and budgets bills the same gas.
  const total = totalGas(referenceRun);
  const trapAt = firstTrap(referenceRun);
  const clean = trapAt === referenceRun.calls.length && referenceRun.instantiateError === undefined;
  // When instantiation traps there is no instance whose counter tells the total.
  const known = referenceRun.instantiateError === undefined;
  const variants: { label: string; budget: bigint; chunk: bigint }[] = [
    { label: "chunk 1000", budget: UNLIMITED, chunk: 1000n },
    { label: "chunk 65536", budget: UNLIMITED, chunk: 65536n },
    { label: "max_gas 1e12", budget: 10n ** 12n, chunk: sandboxChunk(10n ** 12n) },
  ];
  if (known)
    variants.push({
      label: "max_gas 2×total+1000",
      budget: 2n * total + 1000n,
      chunk: sandboxChunk(2n * total),
    });
  if (known && total < 10n ** 7n / 2n)
    variants.push({ label: "max_gas 1e7", budget: 10n ** 7n, chunk: sandboxChunk(10n ** 7n) });
  if (clean && total > 0n)
    variants.push({ label: "max_gas = total", budget: total, chunk: sandboxChunk(total) });
  if (referenceRun.inconclusive) {
    skip("gas-determinism");
    skip("gas-determinism-after-trap");
  } else {
    for (const variant of variants) {
      const result = await observe(meteredJob(subject, metered, variant.budget, variant.chunk));
      if (result.kind !== "observed") {
        fail("gas-determinism", `${variant.label}: ${result.kind}`, raw);
        continue;
      }
      compareGas(
        variant.label,
        referenceRun,
        result.observation,
        trapAt,
        { pass, fail, skip },
        raw,
      );
    }
  }

  // Metering helpers are appended after the module's functions and the refill import.
  const helperStart = functionCount(subject.bytes) + 1;
  const verdicts = { pass, fail, skip, note: (text: string) => report.notes.push(text) };
  // Budget below the total: the run must stop on gas, at most OVERSHOOT_BOUND past the budget.
  if (known && total >= 10n && !referenceRun.inconclusive) {
    const budget = 1n + BigInt(random.below(Number(total - 1n)));
    const result = await observe(meteredJob(subject, metered, budget, sandboxChunk(budget)));
    checkBudgetRun(`max_gas ${budget} of ${total}`, result, budget, helperStart, verdicts, raw);
  } else skip("budget-below-total");

  // Item 3's shape (straight-line leaf calls in a never-ending loop), sizes from the seed.
  const shape = randomLeafCallLoop(random);
  try {
    const shapeMetered = meter(shape.bytes, {
      refillImport: REFILL_IMPORT,
      gasExportName: GAS_EXPORT,
    }).bytes;
    const budget = BigInt(random.between(10_000, 10_000_000));
    const shapeResult = await observe(
      meteredJob(
        { bytes: shape.bytes, imports: [], exports: [{ name: shape.entry, args: [] }] },
        shapeMetered,
        budget,
        sandboxChunk(budget),
      ),
    );
    checkBudgetRun(
      `${shape.description}, max_gas ${budget}`,
      shapeResult,
      budget,
      functionCount(shape.bytes) + 1,
      verdicts,
      shape.bytes,
    );
  } catch (error) {
    fail("meter-accepts-valid", `meter() refused ${shape.description}: ${String(error)}`);
  }

  // Never-ending variant: without its hang limits, a loop runs until the gas stops it.
  const endless = removeHangLimits(subject.bytes);
  if (!endless || !WebAssembly.validate(endless)) {
    skip("never-ending-stops");
    return report;
  }
  let endlessMetered: Uint8Array;
  try {
    endlessMetered = meter(endless, {
      refillImport: REFILL_IMPORT,
      gasExportName: GAS_EXPORT,
    }).bytes;
  } catch (error) {
    fail("meter-accepts-valid", `meter() refused the never-ending variant: ${String(error)}`);
    return report;
  }
  const endlessResult = await observe(
    meteredJob(
      { ...subject, bytes: endless },
      endlessMetered,
      NEVER_ENDING_BUDGET,
      sandboxChunk(NEVER_ENDING_BUDGET),
    ),
  );
  if (endlessResult.kind === "observed") pass("never-ending-stops");
  else fail("never-ending-stops", `max_gas ${NEVER_ENDING_BUDGET}: ${endlessResult.kind}`, endless);
  if (
    endlessResult.kind === "observed" &&
    (endlessResult.observation.exhausted ||
      totalGas(endlessResult.observation) > NEVER_ENDING_BUDGET)
  )
    checkBudgetRun(
      `never-ending, max_gas ${NEVER_ENDING_BUDGET}`,
      endlessResult,
      NEVER_ENDING_BUDGET,
      helperStart,
      verdicts,
      endless,
    );
  return report;
}

interface Verdicts {
  pass: (check: CheckName) => void;
  fail: (check: CheckName, diagnosis: string, bytes?: Uint8Array) => void;
  skip: (check: CheckName) => void;
}

function compareGas(
  label: string,
  reference: ExecutionObservation,
  variant: ExecutionObservation,
  trapAt: number,
  verdicts: Verdicts,
  bytes: Uint8Array,
): void {
  const difference = behaviourDifference(reference, variant);
  if (difference) {
    const check =
      trapAt < reference.calls.length ? "gas-determinism-after-trap" : "gas-determinism";
    verdicts.fail(check, `${label}: behaviour differs: ${difference}`, bytes);
    return;
  }
  let before: string | undefined;
  let after: string | undefined;
  reference.calls.forEach((call, index) => {
    const other = variant.calls[index];
    if (call.gasAfter === other?.gasAfter) return;
    const text = `${label}: gas after call ${index} ${call.name} (${call.outcome}) ${call.gasAfter} vs ${other?.gasAfter}`;
    if (index < trapAt) before ??= text;
    else after ??= text;
  });
  if (before) verdicts.fail("gas-determinism", before, bytes);
  else verdicts.pass("gas-determinism");
  if (trapAt === reference.calls.length) verdicts.skip("gas-determinism-after-trap");
  else if (after) verdicts.fail("gas-determinism-after-trap", after, bytes);
  else verdicts.pass("gas-determinism-after-trap");
}

function checkBudgetRun(
  label: string,
  result: ExecutionResult,
  budget: bigint,
  helperStart: number,
  verdicts: Verdicts & { note: (text: string) => void },
  bytes: Uint8Array,
): void {
  if (result.kind !== "observed") {
    verdicts.fail("budget-below-total", `${label}: ${result.kind}`, bytes);
    return;
  }
  const run = result.observation;
  let overshoot: bigint;
  if (run.exhausted) overshoot = BigInt(run.overshoot ?? "0");
  else {
    // No refill was refused, but straight-line code after the last check may leave the counter
    // below zero: the sandbox's GasAccount then reports the run as exhausted.
    const spent = totalGas(run);
    if (spent <= budget) {
      verdicts.fail("budget-below-total", `${label}: finished within the budget`, bytes);
      return;
    }
    overshoot = spent - budget;
  }
  if (overshoot <= OVERSHOOT_BOUND) {
    verdicts.pass("budget-below-total");
    return;
  }
  const frames = run.refusalFrames ?? [];
  if (frames.length === 0 && run.inconclusive) {
    // The refusal came at the edge of a stack overflow, where no stack can be captured.
    verdicts.note(`${label}: ${overshoot} gas past the budget during a stack overflow`);
    verdicts.skip("budget-below-total");
    return;
  }
  const helpers = frames.filter((index) => index >= helperStart).length;
  if (run.exhausted && helpers >= 2) {
    // Refused inside a dynamic charge (memory.fill/copy/init, table.*): counted, not executed.
    verdicts.note(`${label}: a refused pre-charge counted ${overshoot} gas past the budget`);
    verdicts.pass("budget-below-total");
    return;
  }
  verdicts.fail(
    "budget-below-total",
    `${label}: ${overshoot} gas counted past the budget (refused in wasm functions ${frames.join(" < ")}; helpers start at ${helperStart})`,
    bytes,
  );
}

function checkMutants(
  seed: number,
  raw: Uint8Array,
  random: SeededRandom,
  count: number,
  verdicts: Pick<Verdicts, "pass" | "fail"> & { note: (text: string) => void },
): void {
  const mutants: { label: string; bytes: Uint8Array<ArrayBuffer> }[] = [];
  for (let index = 0; index < count; index++)
    mutants.push({ label: `mutant ${index}`, bytes: mutateBytes(raw, random) });
  counterSlotMutants(raw).forEach((bytes, index) => {
    mutants.push({ label: `counter-slot mutant ${index}`, bytes });
  });
  for (const { label, bytes: mutant } of mutants) {
    if (WebAssembly.validate(mutant)) continue;
    let output: Uint8Array | undefined;
    let unexpected: string | undefined;
    try {
      output = meter(mutant, { refillImport: REFILL_IMPORT, gasExportName: GAS_EXPORT }).bytes;
    } catch (error) {
      if (!isRefusal(error)) unexpected = String(error);
    }
    if (output === undefined) {
      verdicts.pass("mutant-refused");
      verdicts.pass("mutant-never-valid");
      // Other error classes are still refusals (the worker reports any as invalid_module).
      if (unexpected) verdicts.note(`${label}: meter() threw ${unexpected}`);
      continue;
    }
    verdicts.fail("mutant-refused", `${label} of seed ${seed}: meter() returned bytes`, mutant);
    if (WebAssembly.validate(output as Uint8Array<ArrayBuffer>))
      verdicts.fail("mutant-never-valid", `${label}: invalid input became a valid module`, mutant);
    else verdicts.pass("mutant-never-valid");
  }
}
