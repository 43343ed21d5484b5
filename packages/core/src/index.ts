/**
 * The pure pipeline, schemas and ports of wasm-relay (no `node:*`): request hashing, rate limit, idempotency, policy, events.
 * @module @wasm-relay/core
 */
export * from "./events/index.js";
export * from "./fingerprint/canonical-module-bytes.js";
export * from "./fingerprint/semantic-fingerprinter.js";
export * from "./hashing/canonical-json.js";
export * from "./hashing/raw-cid.js";
export * from "./hashing/request-hash.js";
export * from "./hashing/sha256.js";
export * from "./http/index.js";
export * from "./memory/in-memory-metrics.js";
export * from "./memory/memory-cancellation-registry.js";
export * from "./memory/memory-event-bus.js";
export * from "./memory/memory-glyph-registry.js";
export * from "./memory/memory-idempotency-store.js";
export * from "./memory/memory-module-resolver.js";
export * from "./memory/memory-module-store.js";
export * from "./memory/memory-rate-limit-store.js";
export * from "./memory/memory-result-cache.js";
export * from "./pipeline/cancel-outcome.js";
export * from "./pipeline/create-relay.js";
export * from "./pipeline/execution-event-publisher.js";
export * from "./pipeline/idempotency-gate.js";
export * from "./pipeline/relay-config.js";
export * from "./pipeline/relay-outcome.js";
export { toResponse } from "./pipeline/steps/execute-module-step.js";
export { CANCELLATION_REGISTRY_FAILED_METRIC } from "./pipeline/steps/track-cancellation-step.js";
export * from "./pipeline/zod-issues.js";
export * from "./policy/resolve-policy.js";
export * from "./ports/index.js";
export * from "./result-cache/question-identity.js";
export * from "./result-cache/result-cache-policy.js";
export * from "./schemas/index.js";
export * from "./time/with-time-bound.js";
export * from "./websocket/index.js";
