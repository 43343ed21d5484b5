import {
  type ExecutionResult,
  type ExecutionTask,
  type Executor,
  type ExecutorRunOptions,
  ExecutorUnavailableError,
} from "@wasm-relay/core";
import { createQueueExecutor, type QueueExecutor } from "@wasm-relay/queue";
import { createSandboxExecutor, type SandboxExecutor } from "@wasm-relay/sandbox";
import type { ServerConfig } from "../config/server-config.js";
import type { PrometheusMetrics } from "../observability/prometheus-metrics.js";
import { queueLocation } from "./queue-location.js";
import { registerQueueMetrics } from "./queue-metrics.js";

/** The relay's executor in queue mode: the queue, and the local pool of `RELAY_QUEUE_FALLBACK=local`. */
export interface ServerQueueExecutor extends Executor {
  /** The queue's counters, with the fallback's reason added while it is in use. */
  stats(): ReturnType<QueueExecutor["stats"]> & { fallback: boolean };
  close(): Promise<void>;
}

/**
 * Builds the queue executor of `RELAY_EXECUTOR=queue` with its metrics. Without a fallback, an
 * unavailable queue (Redis down, no worker online) answers 503 with `Retry-After`; with
 * `RELAY_QUEUE_FALLBACK=local` such executions run in a sandbox pool of this process instead
 * (health says so), while a full queue or lane is still refused.
 * @throws nothing at start-up when Redis is down: the executor starts unavailable and recovers.
 */
export function buildQueueExecutor(
  config: ServerConfig,
  prometheus: PrometheusMetrics,
): ServerQueueExecutor {
  let queue: QueueExecutor | undefined;
  const recordTimes = registerQueueMetrics(prometheus, () => queue);
  queue = createQueueExecutor({
    redisUrl: config.REDIS_URL!,
    ...queueLocation(config),
    maxQueue: config.RELAY_QUEUE_MAX,
    maxQueuePerUser: config.RELAY_QUEUE_MAX_PER_USER,
    redisTimeoutMs: config.RELAY_REDIS_TIMEOUT,
    onJobTimes: recordTimes,
  });
  const owned = queue;
  void owned.ready(24 * 3600 * 1000).catch(() => {});
  let local: SandboxExecutor | undefined;
  let fellBack = false;
  const useLocal = config.RELAY_QUEUE_FALLBACK === "local";
  return {
    async execute(task: ExecutionTask, options?: ExecutorRunOptions): Promise<ExecutionResult> {
      try {
        const result = await owned.execute(task, options);
        fellBack = false;
        return result;
      } catch (error) {
        // Decided by the error, not by stats(): a command can fail on a dead socket before the
        // connection's close event has been handled.
        const unreachable = error instanceof ExecutorUnavailableError && error.unreachable;
        if (!useLocal || !unreachable) throw error;
        fellBack = true;
        local ??= createSandboxExecutor({ workers: config.RELAY_WORKERS });
        return local.execute(task, options);
      }
    },
    stats() {
      const stats = owned.stats();
      const fallback = useLocal && (fellBack || stats.unavailableReason !== undefined);
      return {
        ...stats,
        fallback,
        unavailableReason:
          fallback && stats.unavailableReason
            ? `${stats.unavailableReason.replace(/; new executions are refused with 503$/, "")}; executions run in this relay (RELAY_QUEUE_FALLBACK=local)`
            : stats.unavailableReason,
      };
    },
    async close() {
      await owned.close();
      await local?.close();
    },
  };
}
