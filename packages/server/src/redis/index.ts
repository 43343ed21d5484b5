export * from "./create-redis-client.js";
export * from "./lua-scripts.js";
export * from "./redis-cancellation-registry.js";
export * from "./redis-idempotency-store.js";
export * from "./redis-key-prefix.js";
export * from "./redis-rate-limit-store.js";
export * from "./redis-result-cache.js";
export * from "./redis-script.js";
