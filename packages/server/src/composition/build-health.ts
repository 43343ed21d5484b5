import { type Authorizer, allowAllAuthorizer, type Executor, type Health } from "@wasm-relay/core";
import type { QueueSnapshot } from "@wasm-relay/queue";
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
      ...queueHealth(parts.executor),
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

/** The `queue` member of the health document, when the executor is a queue with a snapshot. */
function queueHealth(executor: Executor): Pick<Health, "queue"> {
  const stats = (executor as { stats?: () => { snapshot?: QueueSnapshot } }).stats;
  if (typeof stats !== "function") return {};
  const snapshot = stats.call(executor).snapshot;
  if (snapshot === undefined) return {};
  return {
    queue: {
      depth: snapshot.depth,
      oldest_job_age: Math.round(snapshot.oldestJobAgeMs),
      workers_online: snapshot.workersOnline,
    },
  };
}
