import type { Abi, ExecutionError, JsonValue, Policy } from "@wasm-relay/core";
import type { ModuleInfo } from "../binary/module-info.js";
import type { ModuleFootprint } from "../inline/module-footprint.js";

/** Limits that are not part of the request policy; set when the executor is created. */
export interface OutputLimits {
  /** Most bytes of output (numeric: JSON text; WASI: stdout). @unit bytes */
  maxOutputBytes: number;
  /** Most bytes of stderr kept; the rest is cut with a marker. @unit bytes */
  maxStderrBytes: number;
}

/** Main thread → worker: run one task. */
export interface WorkerRunMessage {
  type: "run";
  id: number;
  /**
   * Module bytes: already metered (memory not yet capped) when `metered` is true, else the
   * original bytes. Absent when the pool believes this worker holds `key` compiled; a worker
   * that does not (it evicted it) answers {@link WorkerNeedBytesMessage} and gets them.
   */
  bytes?: Uint8Array | undefined;
  metered: boolean;
  /**
   * Key of the compiled-module cache: the module's identity (its verified CID, or the SHA-256
   * of its bytes when the task has no well-formed CID), memory limit and table budget.
   */
  key: string;
  /**
   * Most elements the module's tables may hold together, at declaration and after `table.grow`
   * (see `limitMemory`). @unit elements
   */
  maxTableElements: number;
  entry: string;
  abi: Abi | undefined;
  inputs: JsonValue;
  policy: Policy;
  limits: OutputLimits;
  /**
   * Asks the worker to send back the compiled module with its result (the main thread may run
   * it inline; compiling stays off the main thread).
   */
  shareCompiled?: boolean;
}

/** What a worker answers, before the main thread adds the duration. */
export type WorkerOutcome =
  | { success: true; output: JsonValue; gasUsed: number | null; stderr?: string }
  | {
      success: false;
      error: ExecutionError;
      gasUsed: number | null;
      output?: JsonValue;
      stderr?: string;
    };

/**
 * Worker → main thread: the outcome of one task, the metered bytes when it metered them, and
 * whether the worker now holds the task's key compiled (so later runs may omit the bytes).
 */
export interface WorkerResultMessage {
  type: "result";
  id: number;
  outcome: WorkerOutcome;
  meteredBytes?: Uint8Array;
  /** True when the worker's compiled-module cache holds the task's key after this task. */
  compiled?: boolean;
  /** The compiled module and what was read from its bytes, when the run asked for it. */
  shared?: {
    module: WebAssembly.Module;
    info: ModuleInfo;
    footprint?: ModuleFootprint | undefined;
  };
}

/**
 * Worker → main thread: the run message came without bytes and the worker does not hold its
 * key compiled (never did, or evicted it); the pool sends the same task again with its bytes.
 */
export interface WorkerNeedBytesMessage {
  type: "need-bytes";
  id: number;
}

/** Any message a worker sends to the pool. */
export type WorkerReply = WorkerResultMessage | WorkerNeedBytesMessage;
