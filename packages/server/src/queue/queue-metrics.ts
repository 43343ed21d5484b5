import { Histogram } from "prom-client";
import type { PrometheusMetrics } from "../observability/prometheus-metrics.js";

/** Prometheus names of the queue's metrics. */
export const QUEUE_METRIC_NAMES = {
  waitSeconds: "relay_queue_wait_seconds",
  runSeconds: "relay_queue_run_seconds",
  jobs: "relay_queue_jobs",
  workersOnline: "relay_queue_workers_online",
  oldestJobAge: "relay_queue_oldest_job_age_seconds",
} as const;

const SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** What the queue's gauges read (the queue executor's `stats()`). */
export interface QueueGaugeSource {
  stats(): {
    workers: number;
    snapshot: { jobs: Record<string, number>; oldestJobAgeMs: number } | undefined;
  };
}

/**
 * Registers the queue's metrics: wait and run time histograms (by priority), jobs by BullMQ
 * state, workers online and the oldest waiting job's age.
 * @returns the function that records one finished job's times.
 */
export function registerQueueMetrics(
  prometheus: PrometheusMetrics,
  source: () => QueueGaugeSource | undefined,
): (times: { waitMs: number; runMs: number; priority: string }) => void {
  const wait = new Histogram({
    name: QUEUE_METRIC_NAMES.waitSeconds,
    help: "Time an execution waited in the shared queue before a worker started it.",
    labelNames: ["priority"],
    buckets: SECONDS_BUCKETS,
    registers: [prometheus.registry],
  });
  const run = new Histogram({
    name: QUEUE_METRIC_NAMES.runSeconds,
    help: "Run time of a queued execution on its worker.",
    labelNames: ["priority"],
    buckets: SECONDS_BUCKETS,
    registers: [prometheus.registry],
  });
  prometheus.gauge({
    name: QUEUE_METRIC_NAMES.jobs,
    help: "Jobs of the shared queue by BullMQ state (finished ones while BullMQ keeps them).",
    labelNames: ["state"],
    read: () =>
      Object.entries(source()?.stats().snapshot?.jobs ?? {}).map(([state, value]) => ({
        labels: { state },
        value,
      })),
  });
  prometheus.gauge({
    name: QUEUE_METRIC_NAMES.workersOnline,
    help: "Queue worker processes with a recent heartbeat.",
    read: () => source()?.stats().workers ?? 0,
  });
  prometheus.gauge({
    name: QUEUE_METRIC_NAMES.oldestJobAge,
    help: "Age of the oldest execution waiting in the shared queue (0 when none waits).",
    read: () => (source()?.stats().snapshot?.oldestJobAgeMs ?? 0) / 1000,
  });
  return ({ waitMs, runMs, priority }) => {
    wait.observe({ priority }, waitMs / 1000);
    run.observe({ priority }, runMs / 1000);
  };
}
