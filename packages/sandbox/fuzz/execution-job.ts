import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";

/** One exported function to call, with the arguments to pass. */
export interface ExportCall {
  name: string;
  /** Arguments in JavaScript form (bigint for i64, null for references). */
  args: unknown[];
}

/** An import the host must provide, with what it needs to answer. */
export interface ImportEntry {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** Result types, for function imports. */
  results?: string[];
  /** Value type, for global imports. */
  valueType?: string;
}

/** Gas settings of a metered run: the host's refill hands out `budget` in chunks of `chunk`. */
export interface GasSettings {
  /** The run's `max_gas`. @unit gas */
  budget: bigint;
  /** Gas handed out per refill. @unit gas */
  chunk: bigint;
  refillModule: string;
  refillName: string;
  /** Export name of the metered module's gas counter. */
  exportName: string;
}

/** What the worker is asked to run. */
export interface ExecutionJob {
  bytes: Uint8Array;
  imports: ImportEntry[];
  /** Called in this order on one instance; also the index space of `call-export`. */
  exports: ExportCall[];
  /** Present for metered modules. */
  gas?: GasSettings;
}

/** How one exported function call ended. */
export interface CallRecord {
  name: string;
  outcome: "value" | "trap" | "out-of-gas";
  /** The returned value or the trap as `Class: message`. */
  detail: string;
  /** Gas spent since instantiation after this call (granted − counter), metered runs only. */
  gasAfter?: string;
  /** Errors (traps) that host imports caught during this call and let the module go on after. */
  caught?: number;
}

/** Everything a run showed that the original and the metered module must agree on. */
export interface ExecutionObservation {
  instantiateError: string | undefined;
  calls: CallRecord[];
  /** Import calls and export entries, in order. */
  events: string[];
  /** Import calls past the recorded maximum. */
  droppedEvents: number;
  /** Exported memories (digest), globals and tables after the last call. */
  state: string[];
  /** Why the run cannot be compared (stack overflows depend on frame sizes). */
  inconclusive?: string;
  /** Metered runs: the refill was refused. */
  exhausted?: boolean;
  /** Metered runs: gas counted past the budget when the refill was refused. @unit gas */
  overshoot?: string;
  /** Metered runs: wasm function indices on the stack when the refill was refused, innermost first. */
  refusalFrames?: number[];
  /** Metered runs: number of refill calls. */
  refills?: number;
}

/** A run's result: its observation, or that it hit the wall clock or crashed the worker. */
export type ExecutionResult =
  | { kind: "observed"; observation: ExecutionObservation }
  | { kind: "timeout"; milliseconds: number }
  | { kind: "crashed"; message: string };

function workerFile(): URL {
  for (const candidate of ["./execution-worker.mjs", "../execution-worker.mjs"]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new Error("execution-worker.mjs not found beside the fuzz library");
}

/**
 * Runs fuzz executions in one reusable worker thread, each under a wall-clock limit: a run
 * that exceeds it terminates the thread (a fresh one serves the next run), so a hang becomes
 * a `timeout` result instead of a hung process.
 */
export class ExecutionSandbox {
  private worker: Worker | undefined;
  private nextId = 0;

  /**
   * Runs `job` and waits for its observation.
   * @param milliseconds wall-clock limit of this run @unit milliseconds
   */
  async run(job: ExecutionJob, milliseconds: number): Promise<ExecutionResult> {
    this.worker ??= new Worker(workerFile(), { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    const worker = this.worker;
    const id = this.nextId++;
    return await new Promise<ExecutionResult>((resolve) => {
      const finish = (result: ExecutionResult, discard: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (discard) {
          if (this.worker === worker) this.worker = undefined;
          void worker.terminate();
        }
        resolve(result);
      };
      const onMessage = (message: {
        id: number;
        observation?: ExecutionObservation;
        failure?: string;
      }) => {
        if (message.id !== id) return;
        if (message.observation)
          finish({ kind: "observed", observation: message.observation }, false);
        else finish({ kind: "crashed", message: message.failure ?? "no observation" }, true);
      };
      const onError = (error: Error) => finish({ kind: "crashed", message: error.message }, true);
      const onExit = (code: number) =>
        finish({ kind: "crashed", message: `worker exited with code ${code}` }, true);
      const timer = setTimeout(() => finish({ kind: "timeout", milliseconds }, true), milliseconds);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, job });
    });
  }

  /** Stops the worker thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
