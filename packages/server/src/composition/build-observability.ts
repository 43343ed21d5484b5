import type { Metrics } from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import { createRelayLogger, type RelayLogger } from "../observability/logger.js";
import {
  createPrometheusMetrics,
  type PrometheusMetrics,
} from "../observability/prometheus-metrics.js";
import { teeMetrics } from "../observability/tee-metrics.js";

/** The server's metrics and logs. */
export interface Observability {
  /** The Prometheus registry behind `GET /metrics`. */
  prometheus: PrometheusMetrics;
  /** Where the relay records: Prometheus, and the embedder's sink when one was given. */
  metrics: Metrics;
  /** Structured log of executions. */
  logger: RelayLogger;
}

/** Builds the Prometheus registry, the metrics sink and the execution logger. */
export function buildObservability(
  config: ServerConfig,
  parts: { metrics?: Metrics | undefined; logger?: RelayLogger | undefined },
): Observability {
  const prometheus = createPrometheusMetrics({
    maxGas: config.RELAY_LIMIT_MAX_GAS,
    maxTimeMs: config.RELAY_LIMIT_MAX_TIME,
  });
  return {
    prometheus,
    metrics: parts.metrics ? teeMetrics(parts.metrics, prometheus) : prometheus,
    logger:
      parts.logger ?? createRelayLogger({ level: config.LOG_LEVEL, name: config.RELAY_NODE_NAME }),
  };
}
