import { type Authorizer, allowAllAuthorizer, type Executor, type Health } from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import { executorHealth } from "../observability/executor-health.js";
import type { SharedStores } from "../stores/create-stores.js";

/**
 * The health document of `GET /intent/execute-wasm/health`: `unhealthy` when the worker pool is,
 * `degraded` while a store or the pool reports a reason, with the features and limits in effect.
 */
export function buildHealth(
  config: ServerConfig,
  parts: { executor: Executor; stores: SharedStores; authorizer: Authorizer },
): () => Health {
  return () => {
    const pool = executorHealth(parts.executor);
    const reasons = [...pool.unhealthy, ...parts.stores.degradedReasons(), ...pool.degraded];
    return {
      status: pool.unhealthy.length > 0 ? "unhealthy" : reasons.length > 0 ? "degraded" : "healthy",
      ...(reasons.length > 0 ? { reasons } : {}),
      features: {
        idempotency: true,
        rate_limiting: true,
        antigone_integration: parts.authorizer !== allowAllAuthorizer,
        sse_events: true,
        tmpbus_events: true,
      },
      limits: {
        rate_limit: config.RELAY_RATE_LIMIT,
        rate_window: config.RELAY_RATE_WINDOW,
        idempotency_ttl: config.RELAY_IDEMPOTENCY_TTL,
      },
    };
  };
}
