import { type ResourceLimits, Worker } from "node:worker_threads";
import { LRUCache } from "lru-cache";
import type {
  WorkerOutcome,
  WorkerReply,
  WorkerResultMessage,
  WorkerRunMessage,
} from "./worker-protocol.js";

/**
 * Most compiled-module keys remembered per worker. Forgetting one only costs sending its bytes
 * again; the worker's own cache (bounded by bytes) decides what it really keeps.
 */
export const REMEMBERED_KEYS_PER_WORKER = 4096;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The result of a task whose message could not be handed to a worker. */
function unsendableOutcome(error: unknown): WorkerOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    success: false,
    error: {
      code: "invalid_input",
      message: `the inputs cannot be passed to the sandbox: ${reason}`,
    },
    gasUsed: null,
  };
}

/** Why a worker stopped before answering: the pool's timer, an abort, or a crash. */
export type WorkerStop =
  | { kind: "timeout" }
  | { kind: "aborted"; reason: unknown }
  | { kind: "crashed"; error: Error };

/** One unit of work for the pool, with the callbacks that finish it. */
export interface PoolJob {
  message: Omit<WorkerRunMessage, "id">;
  /** Wall-clock limit from dispatch. @unit milliseconds */
  timeLimitMs: number;
  /**
   * Place in line: a job waits behind every job of the same or a smaller rank (first come,
   * first served within a rank), ahead of every larger one. @default 1
   */
  rank?: number;
  /**
   * Called when a worker takes the job, with the worker's progress cell: one float64, the gas
   * spent so far, written by the worker while the module runs.
   */
  onStart(workerIndex: number, progress: Float64Array): void;
  /** Called with the worker's answer. */
  onResult(reply: WorkerResultMessage): void;
  /** Called when the worker was stopped (and replaced) before answering. */
  onStop(stop: WorkerStop): void;
}

interface Slot {
  index: number;
  worker: Worker;
  /** Keys this worker said it holds compiled: their runs are posted without bytes. */
  compiledKeys: LRUCache<string, true>;
  progress: Float64Array;
  job: PoolJob | undefined;
  jobId: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of worker threads. */
  size: number;
  /** Jobs that may wait for a worker. */
  maxQueue: number;
  /** URL or path of the worker script. */
  script: URL;
  /** Data handed to every worker at start. */
  workerData: unknown;
  /** V8 heap limits of each worker (WebAssembly memory is not covered by them). */
  resourceLimits?: ResourceLimits;
  /**
   * Longest {@link WorkerPool.close} waits for the worker threads to exit. A thread inside
   * WebAssembly that reaches no interrupt check (no call out, no loop head) cannot be stopped
   * sooner; it is left behind, unreferenced. @unit milliseconds @default 1000
   */
  closeTimeoutMs?: number;
}

function rememberedKeys(): LRUCache<string, true> {
  return new LRUCache<string, true>({ max: REMEMBERED_KEYS_PER_WORKER });
}

/**
 * A fixed set of worker threads, a bounded queue ordered by rank (FIFO within a rank), and the
 * rule that a worker that overruns its job's time limit (or whose job is aborted) is terminated
 * and replaced.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PoolJob[] = [];
  private nextJobId = 1;
  private closed = false;
  /** Crashes in a row of workers that never came online (a broken worker script). */
  private failedStarts = 0;
  /** Set when workers cannot start at all; the pool then refuses work. */
  broken: Error | undefined;
  /** Workers started to replace terminated or crashed ones. */
  replacements = 0;
  /** Workers told to terminate that have not exited yet, with their exit promises. */
  private readonly exiting = new Map<Worker, Promise<void>>();
  /** Workers whose thread has exited (their `exit` event came). */
  private readonly exited = new WeakSet<Worker>();

  constructor(private readonly options: WorkerPoolOptions) {
    for (let index = 0; index < options.size; index++) {
      const progress = new Float64Array(new SharedArrayBuffer(8));
      this.slots.push({
        index,
        worker: this.spawn(index, progress),
        compiledKeys: rememberedKeys(),
        progress,
        job: undefined,
        jobId: 0,
        timer: undefined,
      });
    }
  }

  private spawn(index: number, progress: Float64Array): Worker {
    const worker = new Worker(this.options.script, {
      workerData: { ...(this.options.workerData as object), progress: progress.buffer },
      // A worker inherits the parent's flags; `--input-type` (from `node -e`) would stop it.
      execArgv: process.execArgv.filter((flag) => !flag.startsWith("--input-type")),
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
    });
    worker.unref();
    worker.once("online", () => {
      this.failedStarts = 0;
    });
    worker.on("message", (reply: WorkerReply) => this.onReply(index, worker, reply));
    worker.on("error", (error) => this.onCrash(index, worker, error));
    worker.on("exit", (code) => {
      this.exited.add(worker);
      if (!this.closed) this.onCrash(index, worker, new Error(`worker exited with code ${code}`));
    });
    return worker;
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Terminated workers whose thread has not exited yet: a thread stops at its module's next
   * interrupt check (a call to the host, such as a gas refill, or a loop head).
   */
  get stopping(): number {
    return this.exiting.size;
  }

  /** Workers running a job. */
  get busy(): number {
    return this.slots.filter((slot) => slot.job).length;
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** True when another job would exceed the queue bound. */
  get full(): boolean {
    return this.queue.length >= this.options.maxQueue;
  }

  /**
   * Queues a job by its rank and returns its 1-based place in line.
   * @throws Error when the pool is closed or the queue is full (check {@link full} first).
   */
  submit(job: PoolJob): number {
    if (this.closed) throw new Error("the pool is closed");
    if (this.broken) throw this.broken;
    if (this.full) throw new Error("the queue is full");
    const rank = job.rank ?? 1;
    // Behind every job of the same or a smaller rank: scan from the back, where equal ranks
    // (the common case: all `normal`) stop the scan at once.
    let index = this.queue.length;
    while (index > 0 && (this.queue[index - 1]!.rank ?? 1) > rank) index--;
    this.queue.splice(index, 0, job);
    const position = index + 1;
    queueMicrotask(() => this.drain());
    return position;
  }

  /** Removes a job that is still waiting; true when it was. */
  withdraw(job: PoolJob): boolean {
    const index = this.queue.indexOf(job);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    return true;
  }

  /** Stops the worker running `job` (which gets `onStop(aborted)`) and replaces it. */
  abort(job: PoolJob, reason: unknown): void {
    const slot = this.slots.find((candidate) => candidate.job === job);
    if (slot) this.stop(slot, { kind: "aborted", reason });
  }

  private drain(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      const id = this.nextJobId++;
      slot.job = job;
      slot.jobId = id;
      slot.worker.ref();
      slot.timer = setTimeout(
        () => this.stop(slot, { kind: "timeout" }),
        // setTimeout fires at once beyond 2^31 - 1 ms; such a limit is as good as none.
        Math.min(job.timeLimitMs, MAX_TIMER_MS),
      );
      slot.progress[0] = 0;
      job.onStart(slot.index, slot.progress);
      this.post(slot, job, id, !slot.compiledKeys.has(job.message.key));
    }
  }

  /** Hands a job to its worker, with or without the module bytes. */
  private post(slot: Slot, job: PoolJob, id: number, withBytes: boolean): void {
    const message: WorkerRunMessage = withBytes
      ? { ...job.message, id }
      : { ...job.message, bytes: undefined, id };
    try {
      slot.worker.postMessage(message);
    } catch (error) {
      // Structured clone refuses what it cannot copy (inputs nested deeper than its stack):
      // the task's fault, answered as such, and the worker never saw it.
      this.finish(slot);
      job.onResult({ type: "result", id, outcome: unsendableOutcome(error) });
      queueMicrotask(() => this.drain());
    }
  }

  private finish(slot: Slot): PoolJob | undefined {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.worker.unref();
    return job;
  }

  /** Terminates a worker and tracks it until its thread has exited. */
  private retire(worker: Worker): Promise<void> {
    const known = this.exiting.get(worker);
    if (known) return known;
    if (this.exited.has(worker)) return Promise.resolve();
    worker.removeAllListeners();
    worker.on("error", () => {});
    worker.unref();
    const exited = new Promise<void>((resolve) => {
      worker.once("exit", () => {
        this.exiting.delete(worker);
        resolve();
      });
    });
    this.exiting.set(worker, exited);
    // terminate() rejects only when the thread is already gone; `exit` settles the promise.
    worker.terminate().catch(() => {});
    return exited;
  }

  private stop(slot: Slot, stop: WorkerStop): void {
    const job = this.finish(slot);
    void this.retire(slot.worker);
    if (!this.closed) {
      // A fresh progress cell: the terminated worker may still write to the old one.
      slot.progress = new Float64Array(new SharedArrayBuffer(8));
      slot.worker = this.spawn(slot.index, slot.progress);
      slot.compiledKeys = rememberedKeys();
      this.replacements++;
    }
    job?.onStop(stop);
    queueMicrotask(() => this.drain());
  }

  private onReply(index: number, worker: Worker, reply: WorkerReply): void {
    const slot = this.slots[index]!;
    if (slot.worker !== worker || !slot.job || reply.id !== slot.jobId) return;
    const key = slot.job.message.key;
    if (reply.type === "need-bytes") {
      // The worker evicted (or never had) the module: the same task again, with its bytes.
      slot.compiledKeys.delete(key);
      this.post(slot, slot.job, reply.id, true);
      return;
    }
    if (reply.compiled) slot.compiledKeys.set(key, true);
    else slot.compiledKeys.delete(key);
    const job = this.finish(slot)!;
    job.onResult(reply);
    this.drain();
  }

  private onCrash(index: number, worker: Worker, error: Error): void {
    const slot = this.slots[index]!;
    if (slot.worker !== worker) return;
    if (!slot.job && ++this.failedStarts > 3 * this.slots.length) {
      // Workers die before taking any work: stop respawning and refuse work instead.
      this.broken = new Error(`sandbox workers cannot start: ${error.message}`);
      for (const job of this.queue.splice(0)) job.onStop({ kind: "crashed", error: this.broken });
      worker.removeAllListeners();
      return;
    }
    this.stop(slot, { kind: "crashed", error });
  }

  /**
   * Terminates every worker; waiting and running jobs get `onStop(aborted)`. Resolves when every
   * thread (including those terminated earlier) has exited, or after `closeTimeoutMs`,
   * whichever comes first; never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.onStop({ kind: "aborted", reason: new Error("the executor was closed") });
    for (const slot of this.slots) {
      const job = this.finish(slot);
      job?.onStop({ kind: "aborted", reason: new Error("the executor was closed") });
      void this.retire(slot.worker);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 1000);
      timer.unref();
    });
    await Promise.race([Promise.all(this.exiting.values()), deadline]);
    clearTimeout(timer);
  }
}
