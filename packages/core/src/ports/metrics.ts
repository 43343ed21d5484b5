/** Metric names the pipeline records (the seed's names). */
export const METRIC_NAMES = {
  success: "relay.execute_wasm.success",
  error: "relay.execute_wasm.error",
  invalidRequest: "relay.execute_wasm.invalid_request",
  rateLimited: "relay.execute_wasm.rate_limited",
  permissionDenied: "relay.execute_wasm.permission_denied",
  idempotentHit: "relay.execute_wasm.idempotent_hit",
  /** Answers given from the result cache (nothing ran). */
  cacheHit: "relay.execute_wasm.cache_hit",
  /** Cacheable requests the result cache could not answer (the module ran). */
  cacheMiss: "relay.execute_wasm.cache_miss",
  /** Result-cache calls that failed (the cache was skipped, the request went on). */
  cacheUnavailable: "relay.result_cache.unavailable",
  duration: "relay.execute_wasm.duration",
  gasUsed: "relay.execute_wasm.gas_used",
} as const;

/** Labels of a metric sample. */
export type MetricLabels = Readonly<Record<string, string>>;

/** Where the pipeline records counters and observations; the server maps it onto Prometheus. */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  increment(name: string, labels?: MetricLabels, value?: number): void;
  /** Records one observation in a histogram (durations in milliseconds). */
  observe(name: string, value: number, labels?: MetricLabels): void;
}

/** Records nothing. */
export const noopMetrics: Metrics = { increment() {}, observe() {} };
