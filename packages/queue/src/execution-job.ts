import type { Abi, ExecutionPriority, ExecutionTask, JsonValue, Policy } from "@wasm-relay/core";

/** BullMQ job name of an execution. */
export const EXECUTION_JOB_NAME = "execute";

/**
 * The data of one execution job: everything a worker needs to run the task, and the module by
 * CID only (workers fetch the bytes from the module hand-off or their own module sources).
 */
export interface ExecutionJobData {
  /** The request's content hash. */
  requestId: string;
  /** CIDv1 (raw) of the verified module bytes. */
  cid: string;
  /** Inputs as sent by the caller. */
  inputs: JsonValue;
  /** Export to call (numeric ABI). */
  entry?: string | undefined;
  /** Calling convention. */
  abi?: Abi | undefined;
  /** Effective resource policy. */
  policy: Policy;
  /** Queue priority. */
  priority: ExecutionPriority;
  /** The user the fair share is kept for. */
  userId: string;
  /** The fair-share start tag the job was admitted with. */
  fairTag: number;
  /** The idempotency lease to record the result under (see {@link ExecutionTask.idempotency}). */
  idempotency?: ExecutionTask["idempotency"];
  /** Deterministic clocks and randomness (see {@link ExecutionTask.deterministic}). @default true */
  deterministic?: boolean | undefined;
  /** What deterministic randomness is drawn from (see {@link ExecutionTask.seed}). */
  seed?: string | undefined;
  /** When the relay queued the job. @unit epoch milliseconds */
  queuedAt: number;
  /**
   * Longest wait from admission to start (see ExecutorRunOptions.startWithinMs), checked by the
   * worker on Redis' clock: a job taken later is refused, never run, also when the relay that
   * queued it is gone. @unit milliseconds @default no bound
   */
  startWithinMs?: number | undefined;
  /** When Redis admitted the job, on Redis' clock (for the start bound). @unit epoch milliseconds */
  admittedAt?: number | undefined;
}

/** What a worker reports through BullMQ's job progress while a job runs. */
export type ExecutionJobProgress =
  | {
      kind: "started";
      /** `<RELAY_NODE_NAME>/worker-<n>` of the worker running it. */
      executorNode: string;
      /** BullMQ's `attemptsStarted`: above 1 when the job is rerun after a lost worker. */
      attempt: number;
      /** When the worker started it. @unit epoch milliseconds */
      startedAt: number;
    }
  | {
      kind: "progress";
      /** Percentage (0–100) of `max_gas` spent. */
      progress: number;
    };
