export * from "./execution-log.js";
export * from "./executor-health.js";
export * from "./http-request-metrics.js";
export * from "./logger.js";
export * from "./metric-buckets.js";
export * from "./prometheus-metrics.js";
export * from "./relay-gauges.js";
export * from "./tee-metrics.js";
