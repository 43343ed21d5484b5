import { LRUCache } from "lru-cache";
import type { WorkerOutcome, WorkerRunMessage } from "../pool/worker-protocol.js";
import { type CompiledModule, runCompiled } from "../worker/run-task.js";
import type { InlineSettings } from "./inline-options.js";

const PAGE_BYTES = 65536;
const WASI_MODULE = "wasi_snapshot_preview1";

/** What {@link InlineRunner.run} answers when the task must run (again) in a worker. */
export const RUN_IN_WORKER = Symbol("run-in-worker");

/** A cached key whose module may not run inline (remembered so it is not asked for again). */
const NOT_INLINE = { notInline: true } as const;

type Entry = CompiledModule | typeof NOT_INLINE;

/** A task as the inline runner takes it: a worker's run message without bytes or id. */
export type InlineTask = Omit<WorkerRunMessage, "id" | "bytes" | "type">;

/**
 * Runs small, already-compiled tasks on the calling thread within a gas slice (see
 * {@link InlineSettings}), and keeps the modules that qualify, keyed like the workers' caches.
 */
export class InlineRunner {
  private readonly modules: LRUCache<string, Entry> | undefined;
  /** Keys whose inline run was discarded, with the runs left before they are tried again. */
  private readonly cooldown = new LRUCache<string, number>({ max: 4096 });
  /** Gas spent so far by the inline run (nobody reads it: inline runs are shorter than a progress tick). */
  private readonly progress = new Float64Array(1);
  /** Tasks answered inline. */
  inlined = 0;
  /** Inline runs discarded and sent to a worker. */
  fallbacks = 0;

  constructor(private readonly settings: InlineSettings) {
    this.modules =
      settings.gasSlice > 0 && settings.cacheBytes > 0
        ? new LRUCache<string, Entry>({ maxSize: settings.cacheBytes })
        : undefined;
  }

  /**
   * Whether the worker running this key should send its compiled module back: inline runs are
   * on, the module is small enough, and nothing is known about the key yet.
   * @param moduleBytes size of the module as given. @unit bytes
   */
  wants(key: string, moduleBytes: number): boolean {
    return (
      this.modules !== undefined &&
      moduleBytes <= this.settings.maxModuleBytes &&
      !this.modules.has(key)
    );
  }

  /**
   * Keeps a module a worker compiled, when it qualifies: it links only WASI (when allowed) and
   * declares at most `maxMemoryBytes` of memory and `maxTableElements` table elements.
   * @param moduleBytes size of the module as given, counted four times in the cache. @unit bytes
   */
  admit(key: string, compiled: CompiledModule, moduleBytes: number): void {
    if (!this.modules) return;
    const { info, footprint } = compiled;
    const qualifies =
      footprint !== undefined &&
      footprint.memoryPages * PAGE_BYTES <= this.settings.maxMemoryBytes &&
      footprint.tableElements <= this.settings.maxTableElements &&
      info.imports.every((entry) => this.settings.wasi && entry.module === WASI_MODULE);
    this.modules.set(key, qualifies ? compiled : NOT_INLINE, {
      size: qualifies ? Math.max(1, moduleBytes * 4) : 1,
    });
  }

  /**
   * The compiled module of `key` when its task may run inline now; `undefined` otherwise (not
   * compiled here, does not qualify, or cooling down after a discarded run — one run of the
   * cool-down is used up).
   */
  take(key: string): CompiledModule | undefined {
    const entry = this.modules?.get(key);
    if (entry === undefined || !("module" in entry)) return undefined;
    const left = this.cooldown.get(key);
    if (left !== undefined) {
      if (left <= 1) this.cooldown.delete(key);
      else this.cooldown.set(key, left - 1);
      return undefined;
    }
    return entry;
  }

  /**
   * Runs a task on this thread with min(`max_gas`, `gasSlice`) gas. Answers its outcome — the
   * same, gas included, as a worker's — or {@link RUN_IN_WORKER} when the run needed more than
   * the slice or the thread ended it (stack overflow, failed allocation); the key then cools
   * down for `cooldownRuns` runs.
   */
  run(
    key: string,
    compiled: CompiledModule,
    task: InlineTask,
  ): WorkerOutcome | typeof RUN_IN_WORKER {
    const maxGas = task.policy.max_gas;
    const budget = Math.min(maxGas, this.settings.gasSlice);
    const { outcome, hostFault } = runCompiled(compiled, task, this.progress, budget);
    const sliceTooSmall =
      budget < maxGas && !outcome.success && outcome.error.code === "gas_exhausted";
    if (hostFault || sliceTooSmall) {
      this.fallbacks++;
      if (this.settings.cooldownRuns > 0) this.cooldown.set(key, this.settings.cooldownRuns);
      return RUN_IN_WORKER;
    }
    this.inlined++;
    return outcome;
  }
}
