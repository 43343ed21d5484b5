import { createHash } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import { performance } from "node:perf_hooks";
import {
  advisoryEventListener,
  type ExecutionResult,
  type ExecutionTask,
  type Executor,
  type ExecutorRunOptions,
  ExecutorUnavailableError,
} from "@wasm-relay/core";
import { LRUCache } from "lru-cache";
import { type InlineOptions, inlineSettings } from "./inline/inline-options.js";
import { InlineRunner, type InlineTask, RUN_IN_WORKER } from "./inline/inline-runner.js";
import { TABLE_ELEMENT_BYTES } from "./metering/limit-memory.js";
import { meter } from "./metering/meter.js";
import { crashOutcome } from "./pool/crash-outcome.js";
import { type PoolJob, WorkerPool, type WorkerStop } from "./pool/worker-pool.js";
import type { WorkerOutcome, WorkerResultMessage } from "./pool/worker-protocol.js";
import { GAS_EXPORT, METERING_IMPORT } from "./worker/metering-names.js";

/** Options of {@link createSandboxExecutor}. Every field has a default. */
export interface SandboxExecutorOptions {
  /** Worker threads (the server maps `RELAY_WORKERS` here). @default os.availableParallelism() */
  workers?: number;
  /** Tasks that may wait for a worker; one more is refused with ExecutorUnavailableError. @default 64 × workers */
  maxQueue?: number;
  /** Largest output returned (numeric: its JSON text; WASI: stdout). @unit bytes @default 1048576 */
  maxOutputBytes?: number;
  /** Most stderr kept in a result (WASI). @unit bytes @default 65536 */
  maxStderrBytes?: number;
  /**
   * Budget of each worker's compiled-module cache (a compiled module counts four times its
   * bytes); a non-negative integer, 0 disables the cache. @unit bytes @default 67108864
   */
  compiledCacheBytes?: number;
  /**
   * Budget of the metered-bytes cache shared by the pool (least recently used go first; a module
   * larger than the budget is not kept); a non-negative integer, 0 disables the cache.
   * @unit bytes @default 67108864
   */
  meteredCacheBytes?: number;
  /** Name reported in `started` events as `<nodeName>/worker-<n>`. @default os.hostname() */
  nodeName?: string;
  /** Interval between progress reads while a module runs. @unit milliseconds @default 100 */
  progressIntervalMs?: number;
  /**
   * V8 heap limit of each worker (WebAssembly memory is bounded by the policy instead). It also
   * bounds the table budget: all tables of a task together hold at most
   * min(`max_memory`, workerHeapMb MiB / 4) / {@link TABLE_ELEMENT_BYTES} elements (1,048,576 by
   * default), so tables stay at or below 1/8 of the heap even while `table.grow` copies them;
   * V8 aborts the whole process, not only the worker, when one allocation overruns the heap.
   * @unit megabytes @default 256
   */
  workerHeapMb?: number;
  /** Suggested wait returned with a full-queue refusal. @unit milliseconds @default 1000 */
  retryAfterMs?: number;
  /**
   * Longest `close()` waits for worker threads to exit; a thread that has not reached an
   * interrupt check by then is left behind, unreferenced. @unit milliseconds @default 1000
   */
  closeTimeoutMs?: number;
  /**
   * Small tasks of modules a worker has compiled run on the calling thread, within a gas slice
   * that bounds their work (see {@link InlineOptions}); `false` runs every task in a worker.
   * Results, gas and limits are the same either way. @default {} (the defaults of InlineOptions)
   */
  inline?: InlineOptions | false;
}

/** Counters of a {@link SandboxExecutor}. */
export interface SandboxExecutorStats {
  /** Worker threads in the pool. */
  workers: number;
  /** Workers running a task now. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Most tasks that may wait. */
  maxQueue: number;
  /** Tasks finished (any outcome). */
  completed: number;
  /** Tasks stopped by their time limit. */
  timedOut: number;
  /** Workers started to replace terminated or crashed ones. */
  workersReplaced: number;
  /**
   * Terminated workers (timed out, aborted, crashed) whose thread has not exited yet. Normally 0
   * within milliseconds of a stop: a metered module reaches an interrupt check at least at every
   * gas refill.
   */
  workersStopping: number;
  /** Entries and bytes of the metered-bytes cache. */
  meteredCache: { entries: number; bytes: number };
  /** Tasks answered on the calling thread (inline), included in `completed`. */
  inlined: number;
  /** Inline runs discarded (slice too small, stack overflow) and run again in a worker. */
  inlineFallbacks: number;
}

/** The sandbox Executor: a worker pool you must close when done. */
export interface SandboxExecutor extends Executor {
  /**
   * Meters a module ahead of its first execution (kept in the metered-bytes cache), so that the
   * first request costs no more than later ones.
   * @throws {@link InvalidModuleError} when the module cannot be metered.
   */
  warm(module: { cid: string; bytes: Uint8Array }): Promise<void>;
  /**
   * Terminates the workers; running and queued tasks are rejected. Resolves once every worker
   * thread has exited, or after `closeTimeoutMs`; never rejects.
   */
  close(): Promise<void>;
  /** A snapshot of the pool's counters. */
  stats(): SandboxExecutorStats;
}

/**
 * The built worker script beside this module in `dist`. When this file runs from source
 * (tests), the worker comes from the package's `dist`, which the build produces first.
 */
function workerScript(): URL {
  const here = import.meta.url;
  return /\.[cm]?ts$/.test(here)
    ? new URL("../dist/execution-worker.js", here)
    : new URL("./execution-worker.js", here);
}

/**
 * Tables may take at most this fraction of a worker's heap (counted at TABLE_ELEMENT_BYTES per
 * element, about 4 times what they really take): V8 has no way to fail one oversized allocation
 * of a worker cleanly, it aborts the process.
 */
const TABLE_HEAP_SHARE = 4;

function contentDigest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * A CIDv0 (`Qm` + 44 base58btc characters) or a multibase CIDv1 in base32 (`b` + lowercase
 * base32): the shapes the resolver gives a task's verified bytes.
 */
const CID_SHAPE = /^(?:Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,})$/;

/**
 * The identity of a task's module in the caches: its CID when it has the shape of one (the
 * resolver verified the bytes against it, so hashing them again on every run is wasted), else
 * the SHA-256 of the bytes (callers that pass a placeholder CID, such as tests).
 */
function moduleIdentity(module: { cid: string; bytes: Uint8Array }): string {
  return CID_SHAPE.test(module.cid) ? `cid:${module.cid}` : `sha256:${contentDigest(module.bytes)}`;
}

/** The default of both cache budgets: 64 MiB. @unit bytes */
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** A cache budget option, checked: a non-negative integer (0 disables that cache). */
function cacheBudget(name: string, value: number | undefined): number {
  const budget = value ?? DEFAULT_CACHE_BYTES;
  if (!Number.isSafeInteger(budget) || budget < 0)
    throw new RangeError(`${name} must be a non-negative integer of bytes, got ${budget}`);
  return budget;
}

/** The pool rank of each priority: `high` waits ahead of `normal`, `normal` ahead of `low`. */
const PRIORITY_RANK = { high: 0, normal: 1, low: 2 } as const;

function timeoutOutcome(maxTimeMs: number): WorkerOutcome {
  return {
    success: false,
    error: { code: "timeout", message: `the module ran longer than max_time (${maxTimeMs} ms)` },
    gasUsed: null,
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The execution was aborted", "AbortError");
}

/**
 * Creates the sandbox Executor: WebAssembly modules run in a pool of worker threads, each
 * task bounded by its policy (`max_time` by terminating the worker, `max_memory` before and
 * while running, `max_gas` by metering). Module failures come back as results.
 *
 * `execute` throws {@link ExecutorUnavailableError} when the queue is full or the executor is
 * closed, and rejects with the signal's reason when `signal` aborts.
 * @throws RangeError when `workers` is not a positive integer, or a cache budget or an inline
 *   setting is not a non-negative integer
 */
export function createSandboxExecutor(options: SandboxExecutorOptions = {}): SandboxExecutor {
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const maxQueue = options.maxQueue ?? workers * 64;
  const limits = {
    maxOutputBytes: options.maxOutputBytes ?? 1024 * 1024,
    maxStderrBytes: options.maxStderrBytes ?? 64 * 1024,
  };
  const nodeName = options.nodeName ?? hostname();
  const progressIntervalMs = options.progressIntervalMs ?? 100;
  const compiledCacheBytes = cacheBudget("compiledCacheBytes", options.compiledCacheBytes);
  const meteredCacheBytes = cacheBudget("meteredCacheBytes", options.meteredCacheBytes);
  const meteredCache =
    meteredCacheBytes > 0
      ? new LRUCache<string, Uint8Array>({
          maxSize: meteredCacheBytes,
          // lru-cache sizes are positive integers; a module is never empty.
          sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
        })
      : undefined;
  const inline = new InlineRunner(inlineSettings(options.inline));
  const workerHeapMb = options.workerHeapMb ?? 256;
  const maxTableBytes = (workerHeapMb * 1024 * 1024) / TABLE_HEAP_SHARE;
  const pool = new WorkerPool({
    size: workers,
    maxQueue,
    script: workerScript(),
    workerData: { compiledCacheBytes },
    resourceLimits: { maxOldGenerationSizeMb: workerHeapMb },
    closeTimeoutMs: options.closeTimeoutMs ?? 1000,
  });
  let closed = false;
  let completed = 0;
  let timedOut = 0;

  async function execute(
    task: ExecutionTask,
    executeOptions: ExecutorRunOptions = {},
  ): Promise<ExecutionResult> {
    const { signal } = executeOptions;
    // A throwing listener must not break the executor's bookkeeping.
    const onEvent = advisoryEventListener(executeOptions.onEvent);
    if (closed) throw new ExecutorUnavailableError("the sandbox executor is closed");
    if (pool.broken) throw new ExecutorUnavailableError(pool.broken.message, 5000);
    if (signal?.aborted) throw abortError(signal);
    const memoryPages = Math.floor(task.policy.max_memory / 65536);
    const maxTableElements = Math.floor(
      Math.min(task.policy.max_memory, maxTableBytes) / TABLE_ELEMENT_BYTES,
    );
    const digest = moduleIdentity(task.module);
    const key = `${digest}:${memoryPages}:${maxTableElements}`;
    const run: InlineTask = {
      metered: false,
      key,
      maxTableElements,
      entry: task.entry ?? "main",
      abi: task.abi,
      inputs: task.inputs,
      policy: task.policy,
      limits,
      // Deterministic unless the task asks otherwise: the seed is the caller-independent one
      // the pipeline derived, else the request id.
      deterministicSeed: task.deterministic === false ? undefined : (task.seed ?? task.requestId),
    };
    /** What is left of max_time for a worker after an inline run was discarded. @unit ms */
    let timeLimitMs = task.policy.max_time;
    const compiledHere = inline.take(key);
    if (compiledHere) {
      const startedAt = performance.now();
      const outcome = inline.run(key, compiledHere, run);
      const elapsed = performance.now() - startedAt;
      timeLimitMs -= elapsed;
      const overTime =
        outcome === RUN_IN_WORKER ? timeLimitMs <= 0 : elapsed > task.policy.max_time;
      if (outcome !== RUN_IN_WORKER || overTime) {
        completed++;
        onEvent?.({ type: "queued", position: 0 });
        onEvent?.({ type: "started", executorNode: `${nodeName}/inline` });
        const durationMs = Math.round(elapsed * 1000) / 1000;
        if (overTime) timedOut++;
        const final =
          overTime || outcome === RUN_IN_WORKER ? timeoutOutcome(task.policy.max_time) : outcome;
        return { ...final, durationMs } as ExecutionResult;
      }
    }
    if (pool.full) {
      throw new ExecutorUnavailableError(
        `the sandbox queue is full (${maxQueue} tasks waiting)`,
        options.retryAfterMs ?? 1000,
      );
    }
    const metered = meteredCache?.get(digest);
    const moduleBytes = task.module.bytes.byteLength;
    const shareCompiled = inline.wants(key, moduleBytes);

    return new Promise<ExecutionResult>((resolve, reject) => {
      let startedAt = 0;
      let progressTimer: ReturnType<typeof setInterval> | undefined;
      let startTimer: ReturnType<typeof setTimeout> | undefined;
      let lastProgress = -1;
      const cleanup = () => {
        if (progressTimer) clearInterval(progressTimer);
        clearTimeout(startTimer);
        signal?.removeEventListener("abort", onAbort);
        completed++;
      };
      const duration = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
      const finishWith = (outcome: WorkerOutcome) => {
        cleanup();
        resolve({ ...outcome, durationMs: duration() } as ExecutionResult);
      };
      const job: PoolJob = {
        timeLimitMs,
        rank: PRIORITY_RANK[task.priority ?? "normal"],
        message: {
          ...run,
          type: "run",
          bytes: metered ?? task.module.bytes,
          metered: metered !== undefined,
          ...(shareCompiled ? { shareCompiled } : {}),
        },
        onStart(workerIndex, gasSpent) {
          clearTimeout(startTimer);
          startedAt = performance.now();
          onEvent?.({ type: "started", executorNode: `${nodeName}/worker-${workerIndex + 1}` });
          if (onEvent) {
            progressTimer = setInterval(() => {
              const percent = Math.min(100, Math.floor((gasSpent[0]! / task.policy.max_gas) * 100));
              if (percent !== lastProgress) {
                lastProgress = percent;
                onEvent({ type: "progress", progress: percent });
              }
            }, progressIntervalMs);
          }
        },
        onResult(reply: WorkerResultMessage) {
          if (reply.meteredBytes) meteredCache?.set(digest, reply.meteredBytes);
          if (reply.shared) inline.admit(key, reply.shared, moduleBytes);
          finishWith(reply.outcome);
        },
        onStop(stop: WorkerStop) {
          if (stop.kind === "aborted") {
            cleanup();
            reject(stop.reason);
          } else if (stop.kind === "timeout") {
            timedOut++;
            finishWith(timeoutOutcome(task.policy.max_time));
          } else {
            finishWith(crashOutcome(stop.error));
          }
        },
      };
      const onAbort = () => {
        if (pool.withdraw(job)) {
          cleanup();
          reject(abortError(signal!));
        } else {
          pool.abort(job, abortError(signal!));
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const position = pool.submit(job);
      onEvent?.({ type: "queued", position });
      const { startWithinMs } = executeOptions;
      if (startWithinMs !== undefined && Number.isFinite(startWithinMs)) {
        // Still waiting for a worker then: withdrawn, never run (see ExecutorRunOptions).
        startTimer = setTimeout(
          () => {
            if (!pool.withdraw(job)) return;
            cleanup();
            reject(
              new ExecutorUnavailableError(
                `no sandbox worker was free within ${Math.max(0, Math.round(startWithinMs))} ms: a later start could outlast the run's idempotency lease`,
                options.retryAfterMs ?? 1000,
              ),
            );
          },
          Math.max(0, startWithinMs),
        );
        startTimer.unref?.();
      }
    });
  }

  return {
    execute,
    async warm(module) {
      const digest = moduleIdentity(module);
      if (meteredCache?.get(digest)) return;
      const metered = meter(module.bytes, {
        refillImport: METERING_IMPORT,
        gasExportName: GAS_EXPORT,
      });
      meteredCache?.set(digest, metered.bytes);
    },
    async close() {
      closed = true;
      await pool.close();
    },
    stats() {
      return {
        workers: pool.size,
        busy: pool.busy,
        queued: pool.queued,
        maxQueue,
        completed,
        timedOut,
        workersReplaced: pool.replacements,
        workersStopping: pool.stopping,
        meteredCache: {
          entries: meteredCache?.size ?? 0,
          bytes: meteredCache?.calculatedSize ?? 0,
        },
        inlined: inline.inlined,
        inlineFallbacks: inline.fallbacks,
      };
    },
  };
}
