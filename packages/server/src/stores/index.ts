export * from "./call-primary.js";
export * from "./create-stores.js";
export * from "./fallback-idempotency-store.js";
export * from "./fallback-rate-limit-store.js";
export * from "./redis-availability.js";
export * from "./store-fallback-metric.js";
export * from "./store-unavailable-error.js";
export * from "./time-bound.js";
