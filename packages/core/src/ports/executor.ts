import type { Abi, ExecutionPriority } from "../schemas/execute-request.js";
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
  /** Queue priority: executors with a queue order by it. @default "normal" */
  priority?: ExecutionPriority | undefined;
  /** The caller's user id: a shared queue gives each user a fair share by it. */
  userId?: string | undefined;
  /**
   * The idempotency lease the run is under: an executor that runs the task elsewhere (a queue
   * worker) records the result under it itself, so that the result survives the relay that
   * waits for it. A record made that way is the same the relay would make.
   */
  idempotency?:
    | {
        /** The scoped idempotency key. */
        key: string;
        /** The lease token the relay holds. */
        leaseToken: string;
        /** How long the record is kept. @unit milliseconds */
        ttlMs: number;
      }
    | undefined;
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
  | {
      type: "started";
      /** Which executor runs it. */
      executorNode: string;
      /**
       * 1 for the first run; a larger number announces a rerun (the executor that ran it was
       * lost), which the event stream reports with a second `execution_started`. @default 1
       */
      attempt?: number | undefined;
      /**
       * True when `executorNode` names another machine's executor in full (a queue worker): the
       * relay does not prefix it with its own node name.
       */
      remote?: boolean | undefined;
    }
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
  /**
   * Longest wait for the run to start (a free worker, a queue slot). A task still waiting then
   * is withdrawn, never run, and the call rejects with {@link ExecutorUnavailableError} (the
   * caller may retry). The pipeline sets it so that a run always ends inside its idempotency
   * lease: a run that started later could outlast the lease, and a retry under the same key
   * would then run the module a second time. Zero or less: start at once or not at all.
   * @unit milliseconds @default no bound
   */
  startWithinMs?: number | undefined;
}

/**
 * Wraps an {@link ExecutorRunOptions.onEvent} listener so that one that throws cannot break the
 * executor's bookkeeping: executor events are advisory, a listener's failure is ignored.
 * @returns the guarded listener, or `undefined` when there is none.
 */
export function advisoryEventListener(
  listener: ((event: ExecutorEvent) => void) | undefined,
): ((event: ExecutorEvent) => void) | undefined {
  if (!listener) return undefined;
  return (event) => {
    try {
      listener(event);
    } catch {
      // ignored: events are advisory
    }
  };
}

/**
 * Thrown by an executor that cannot take work now (queue full, shutting down); the pipeline
 * answers 503 with `Retry-After`.
 */
export class ExecutorUnavailableError extends Error {
  override readonly name = "ExecutorUnavailableError";
  /** Suggested wait before retrying. @unit milliseconds */
  readonly retryAfterMs: number;
  /**
   * True when the refusal is the caller's own (it holds too many queued executions): answered
   * 429 instead of 503. @default false
   */
  readonly perCaller: boolean;
  /**
   * True when the executor's backend cannot be reached at all (its Redis is down, no worker is
   * online), as opposed to reachable but full: a deployment may run such work elsewhere
   * (`RELAY_QUEUE_FALLBACK=local`). Set by the thrower from the failure itself, so that it does
   * not depend on when a connection's close event is noticed. @default false
   */
  readonly unreachable: boolean;
  constructor(
    message: string,
    retryAfterMs = 1000,
    options: { perCaller?: boolean; unreachable?: boolean } = {},
  ) {
    super(message);
    this.retryAfterMs = retryAfterMs;
    this.perCaller = options.perCaller ?? false;
    this.unreachable = options.unreachable ?? false;
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
