/**
 * Conformance suites (vitest) that every adapter of a core port must pass.
 * @module @wasm-relay/core/testing
 */
export * from "./cancellation-registry-conformance.js";
export * from "./event-bus-conformance.js";
export * from "./glyph-registry-conformance.js";
export * from "./idempotency-store-conformance.js";
export * from "./module-store-conformance.js";
export * from "./rate-limit-store-conformance.js";
export * from "./result-cache-conformance.js";
export * from "./unique-key.js";
export * from "./wait-until.js";
