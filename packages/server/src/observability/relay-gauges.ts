import type { PrometheusMetrics } from "./prometheus-metrics.js";

/** What an executor may report about its pool (the sandbox executor's `stats()`). */
export interface ExecutorPoolStats {
  /** Worker threads in the pool. */
  workers: number;
  /** Workers running a task now. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
}

/** Sources of the relay's scrape-time gauges. */
export interface RelayGaugeSources {
  /** The executor; its pool gauges are exported when it has a `stats(): ExecutorPoolStats` method. */
  executor: object;
  /** Open SSE streams (the server's registry of them). */
  openStreams: { readonly size: number };
  /** Why the stores are on memory instead of Redis (empty when they are not). */
  degradedReasons: () => readonly string[];
}

/** Prometheus names of the gauges {@link registerRelayGauges} adds. */
export const RELAY_GAUGE_NAMES = {
  queueDepth: "relay_executor_queue_depth",
  poolSize: "relay_executor_pool_size",
  busyWorkers: "relay_executor_busy_workers",
  sseSubscribers: "relay_sse_subscribers",
  storeFallbackActive: "relay_store_fallback_active",
} as const;

/**
 * Registers the gauges read at scrape time: executor queue depth, pool size and busy workers
 * (when the executor reports them), open SSE streams, and whether the stores are in fallback.
 */
export function registerRelayGauges(metrics: PrometheusMetrics, sources: RelayGaugeSources): void {
  const executor = sources.executor as { stats?: unknown };
  if (typeof executor.stats === "function") {
    const stats = () => (executor.stats as () => ExecutorPoolStats).call(executor);
    metrics.gauge({
      name: RELAY_GAUGE_NAMES.queueDepth,
      help: "Executions waiting for a free worker.",
      read: () => stats().queued,
    });
    metrics.gauge({
      name: RELAY_GAUGE_NAMES.poolSize,
      help: "Worker threads in the sandbox pool.",
      read: () => stats().workers,
    });
    metrics.gauge({
      name: RELAY_GAUGE_NAMES.busyWorkers,
      help: "Workers running an execution now.",
      read: () => stats().busy,
    });
  }
  metrics.gauge({
    name: RELAY_GAUGE_NAMES.sseSubscribers,
    help: "Open Server-Sent Events streams.",
    read: () => sources.openStreams.size,
  });
  metrics.gauge({
    name: RELAY_GAUGE_NAMES.storeFallbackActive,
    help: "1 while the rate-limit and idempotency stores answer from memory because Redis is unavailable.",
    read: () => (sources.degradedReasons().length > 0 ? 1 : 0),
  });
}
