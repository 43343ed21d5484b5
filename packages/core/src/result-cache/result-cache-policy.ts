import type { CachedResponse, CachedRun, ResultCacheRecord } from "../ports/result-cache.js";
import type { ExecuteResponse } from "../schemas/execute-response.js";
import type { Policy } from "../schemas/policy.js";

const PAGE_BYTES = 65536;

/** Failures that repeat exactly for the same question (and so may be cached). */
const DETERMINISTIC_FAILURES = new Set([
  "trap",
  "exit",
  "output_too_large",
  "invalid_input",
  "entry_not_found",
  "invalid_module",
]);

/**
 * Traps that depend on the machine, not the module: the native call stack (its depth varies
 * with the JIT tier and the platform) and a crashed worker.
 */
const MACHINE_TRAP = /call stack|sandbox worker failed/i;

/** Which part of a {@link ResultCacheRecord} a run goes into. */
export type CachedRunSlot = keyof ResultCacheRecord;

/**
 * Whether (and where) a run's response may be cached: a success or a deterministic failure
 * goes into `completed`, a `gas_exhausted` into `exhausted`; a `timeout` (wall clock), a
 * `memory_limit` (depends on the limit asked for) and machine-dependent traps never.
 * @param peakMemory the run's linear memory when it stopped, if known @unit bytes
 */
export function cacheableRun(
  response: ExecuteResponse,
  policy: Policy,
  peakMemory: number | undefined,
): { slot: CachedRunSlot; run: CachedRun } | undefined {
  const { request_id: _id, resolved_cid: _cid, cached: _cached, ...kept } = response;
  const run: CachedRun = {
    response: kept as CachedResponse,
    gasBudget: policy.max_gas,
    memoryLimit: policy.max_memory,
    peakMemory: peakMemory ?? null,
  };
  if (response.success) return { slot: "completed", run };
  const { code, message } = response.error;
  if (code === "gas_exhausted") return { slot: "exhausted", run };
  if (!DETERMINISTIC_FAILURES.has(code)) return undefined;
  if (code === "trap" && MACHINE_TRAP.test(message)) return undefined;
  return { slot: "completed", run };
}

/**
 * Whether a run's memory answers a request's: the request's page count lies between the pages
 * the run used (its peak; without one, all it had) and the pages it had, so every `memory.grow`
 * that succeeded still does and every one that failed still fails.
 */
function memoryFits(run: CachedRun, policy: Policy): boolean {
  const pages = Math.floor(policy.max_memory / PAGE_BYTES);
  const had = Math.floor(run.memoryLimit / PAGE_BYTES);
  const used = run.peakMemory === null ? had : Math.ceil(run.peakMemory / PAGE_BYTES);
  return used <= pages && pages <= had;
}

/**
 * The cached answer to a request under `policy`, if the record holds one:
 * - a completed run that used gas `g` answers any `max_gas ≥ g` (a run that spent no metered
 *   gas, any budget), with memory that fits (see above);
 * - a run that exhausted budget `B` answers any `max_gas ≤ B` with the same failure, at the
 *   request's own budget (`gas_used` = its `max_gas`), with memory that fits.
 * `max_time` is not compared: a cached answer costs no time, and timeouts are never kept.
 */
export function answerFromRecord(
  record: ResultCacheRecord,
  policy: Policy,
): CachedResponse | undefined {
  const { completed, exhausted } = record;
  if (completed && memoryFits(completed, policy)) {
    const gas = completed.response.gas_used;
    if (gas === null || gas <= policy.max_gas) return completed.response;
  }
  if (exhausted && !exhausted.response.success && memoryFits(exhausted, policy)) {
    if (policy.max_gas <= exhausted.gasBudget) {
      const budget = exhausted.gasBudget;
      return {
        ...exhausted.response,
        gas_used: policy.max_gas,
        error: {
          ...exhausted.response.error,
          message: exhausted.response.error.message.replaceAll(
            `max_gas ${budget}`,
            `max_gas ${policy.max_gas}`,
          ),
        },
      };
    }
  }
  return undefined;
}

/**
 * The record after adding a run: it replaces the run in its slot, except that an exhausted run
 * of a smaller budget does not replace one of a larger (which answers more).
 */
export function withRun(
  record: ResultCacheRecord | undefined,
  slot: CachedRunSlot,
  run: CachedRun,
): ResultCacheRecord {
  const next: ResultCacheRecord = { ...record };
  const previous = next[slot];
  if (slot === "exhausted" && previous && previous.gasBudget > run.gasBudget) return next;
  next[slot] = run;
  return next;
}
