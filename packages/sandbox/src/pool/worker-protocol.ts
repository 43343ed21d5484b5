import type { Abi, ExecutionError, JsonValue, Policy } from "@wasm-relay/core";

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
  /** Module bytes: already metered (memory not yet capped) when `metered` is true, else the original bytes. */
  bytes: Uint8Array;
  metered: boolean;
  /** Key of the compiled-module cache: content digest, memory limit and table budget. */
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

/** Worker → main thread: the outcome of one task, and the metered bytes when it metered them. */
export interface WorkerResultMessage {
  type: "result";
  id: number;
  outcome: WorkerOutcome;
  meteredBytes?: Uint8Array;
}
