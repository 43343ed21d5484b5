/** What the health document needs from an executor's pool (the sandbox executor's `stats()`). */
export interface ExecutorHealthStats {
  /** Worker threads in the pool. */
  workers: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Most tasks that may wait; one more is refused with 503. */
  maxQueue: number;
  /**
   * A shared queue's reason it cannot take work (Redis down, no worker online): `unhealthy`, or
   * `degraded` when `fallback` runs the work in-process. Only queue executors report it.
   */
  unavailableReason?: string | undefined;
  /** Whether executions run in-process while the queue is unavailable. */
  fallback?: boolean | undefined;
}

/** Why an executor makes the relay less than healthy. */
export interface ExecutorHealth {
  /** Reasons that make the relay `unhealthy` (it cannot execute at all). */
  unhealthy: string[];
  /** Reasons that make it `degraded` (it executes, but refuses or delays some work). */
  degraded: string[];
}

/**
 * Reads an executor's pool state for the health document: no workers is `unhealthy`; a full
 * queue (new executions answered 503) is `degraded`. An executor without `stats()` (or whose
 * `stats()` throws) reports nothing, since nothing is known about it.
 * @param executor any executor; its `stats()` is used when present.
 */
export function executorHealth(executor: object): ExecutorHealth {
  const health: ExecutorHealth = { unhealthy: [], degraded: [] };
  const reader = (executor as { stats?: unknown }).stats;
  if (typeof reader !== "function") return health;
  let stats: Partial<ExecutorHealthStats>;
  try {
    stats = reader.call(executor) as Partial<ExecutorHealthStats>;
  } catch {
    return health;
  }
  if ("unavailableReason" in stats) {
    // A queue executor: its workers are other processes, counted by heartbeats.
    if (stats.unavailableReason !== undefined)
      (stats.fallback ? health.degraded : health.unhealthy).push(stats.unavailableReason);
  } else if (stats.workers === 0) {
    health.unhealthy.push("executor: no worker threads are running");
  }
  if (
    typeof stats.queued === "number" &&
    typeof stats.maxQueue === "number" &&
    stats.queued >= stats.maxQueue
  ) {
    health.degraded.push(
      `executor: queue full (${stats.queued} waiting); new executions are refused with 503 until it drains`,
    );
  }
  return health;
}
