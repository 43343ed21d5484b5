import type { Abi } from "../schemas/execute-request.js";
import type { ExecutionError } from "../schemas/execution-error.js";
import type { JsonValue } from "../schemas/json-value.js";
import type { Policy } from "../schemas/policy.js";

/** One module execution handed to an executor. */
export interface ExecutionTask {
  /** The request's content hash. */
  requestId: string;
  /** Verified module bytes and their CID. */
  module: { cid: string; bytes: Uint8Array };
  /** Inputs as sent by the caller. */
  inputs: JsonValue;
  /** Export to call (numeric ABI). @default "main" */
  entry?: string | undefined;
  /** Calling convention; the executor chooses from the module when absent. */
  abi?: Abi | undefined;
  /** Effective resource policy. */
  policy: Policy;
  /**
   * `true` (the default): the module's clocks and randomness come from {@link seed} and the
   * gas it spent (docs/determinism.md), so the same task gives the same result in any worker
   * and process. `false`: real time and real randomness. @default true
   */
  deterministic?: boolean | undefined;
  /**
   * What deterministic randomness is drawn from: 64 hex digits that must not depend on the
   * caller (the pipeline derives it from the module's fingerprint, entry, ABI and inputs).
   * @default `requestId`
   */
  seed?: string | undefined;
}

/** What the executor reports while it works. */
export type ExecutorEvent =
  | { type: "queued"; position: number }
  | { type: "started"; executorNode: string }
  /** Percentage (0–100) of `max_gas` spent so far. */
  | { type: "progress"; progress: number };

/** The outcome of running a module: a value either way, never an exception. */
export type ExecutionResult =
  | {
      success: true;
      output: JsonValue;
      gasUsed: number | null;
      durationMs: number;
      stderr?: string;
      /** Size of the module's linear memory when it stopped (memory only grows: its peak). @unit bytes */
      memoryBytes?: number;
    }
  | {
      success: false;
      error: ExecutionError;
      gasUsed: number | null;
      durationMs: number;
      output?: JsonValue;
      stderr?: string;
      /** Size of the module's linear memory when it stopped (its peak), when it was instantiated. @unit bytes */
      memoryBytes?: number;
    };

/** Options of one run of an {@link Executor} (not the client SDK's per-call options). */
export interface ExecutorRunOptions {
  /** Aborts the execution (the executor stops the module). */
  signal?: AbortSignal | undefined;
  /** Receives queue position, start and progress. */
  onEvent?: ((event: ExecutorEvent) => void) | undefined;
}

/**
 * Thrown by an executor that cannot take work now (queue full, shutting down); the pipeline
 * answers 503 with `Retry-After`.
 */
export class ExecutorUnavailableError extends Error {
  override readonly name = "ExecutorUnavailableError";
  /** Suggested wait before retrying. @unit milliseconds */
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 1000) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Runs modules under a policy. Module failures are results; only infrastructure failures throw. */
export interface Executor {
  /**
   * Runs one task.
   * @throws ExecutorUnavailableError (exported beside this port) when it cannot take the work.
   */
  execute(task: ExecutionTask, options?: ExecutorRunOptions): Promise<ExecutionResult>;
}
