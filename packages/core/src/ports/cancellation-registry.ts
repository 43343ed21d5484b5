/** One execution a relay runs (or is about to run) and can stop when asked. */
export interface CancellableExecution {
  /** The request's content hash (the answer's `request_id`). */
  requestId: string;
  /** Whose execution it is. */
  userId: string;
  /**
   * The idempotency key as the caller sent it (body or header), when it sent one: the caller may
   * cancel by it before it knows the request id.
   */
  idempotencyKey?: string | undefined;
}

/** How long the registry keeps what it was told. */
export interface TrackOptions {
  /**
   * Bound on the run: a running entry whose relay died without finishing it is forgotten after
   * this. @unit milliseconds
   */
  runningTtlMs: number;
  /** How long a finished entry is remembered (a cancel then answers `finished`). @unit milliseconds */
  finishedTtlMs: number;
}

/** Handle of one tracked execution. */
export interface TrackedExecution {
  /**
   * Marks the execution finished and stops listening for cancellation: a later cancel answers
   * `finished` for {@link TrackOptions.finishedTtlMs}. Idempotent.
   */
  finish(): Promise<void>;
}

/** A cancellation asked for: by whom, of what. */
export interface CancelRequest {
  /** The execution's `request_id`, or the idempotency key the caller sent it under. */
  id: string;
  /** The caller. */
  userId: string;
  /** Whether the caller may cancel every user's executions (an `admin`); else only its own. */
  anyUser: boolean;
}

/** What a cancellation found. */
export type CancelAnswer =
  /** At least one matching execution was running or queued: its relay was told to stop it. */
  | { state: "cancelling"; requestIds: string[] }
  /** Every matching execution had already finished. */
  | { state: "finished"; requestIds: string[] }
  /** No execution matches (or none the caller may see). */
  | { state: "unknown" };

/**
 * Which executions run where, and the channel that tells the relay awaiting one to stop it. In one
 * process a map; across relays sharing Redis, a Redis adapter, so that a cancel arriving at any
 * relay reaches the one that runs (or queued) the execution.
 *
 * A cancel matches the caller's executions (every user's with `anyUser`) whose `requestId`
 * equals its `id`, and the caller's own executions sent under the idempotency key `id` (keys
 * belong to their caller, even for an admin).
 */
export interface CancellationRegistry {
  /**
   * Registers a running execution. `onCancel` is called (at most once, in the process that
   * tracked it) when a cancel matches it, until {@link TrackedExecution.finish}.
   * @throws when the registry's store is unreachable (the caller runs the execution anyway).
   */
  track(
    execution: CancellableExecution,
    onCancel: () => void,
    options: TrackOptions,
  ): Promise<TrackedExecution>;
  /**
   * Asks the relays running matching executions to stop them.
   * @throws when the registry's store is unreachable.
   */
  cancel(request: CancelRequest): Promise<CancelAnswer>;
}
