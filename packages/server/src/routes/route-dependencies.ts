import type { Authorizer, EventBus, Health, Relay } from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import type { Authenticator } from "../identity/authenticator.js";
import type { ServerModuleResolver } from "../modules/create-module-resolver.js";
import type { PrometheusMetrics } from "../observability/prometheus-metrics.js";

/** What the relay's route handlers are built from. */
export interface RouteDependencies {
  /** The effective configuration. */
  config: ServerConfig;
  /** The pipeline behind `POST /intent/execute-wasm`. */
  relay: Relay;
  /** Who the caller is. */
  authenticator: Authenticator;
  /** What the caller may do. */
  authorizer: Authorizer;
  /** Where execution events come from. */
  bus: EventBus;
  /** Open event streams, ended by shutdown. */
  openStreams: Set<() => void>;
  /** Whether the server is shutting down. */
  isClosing(): boolean;
  /** The health document of the moment. */
  health(): Health;
  /** The server's Prometheus registry (`GET /metrics`). */
  prometheus: Pick<PrometheusMetrics, "render" | "contentType">;
  /** The OpenAPI document served at `/openapi.json` (built from the served routes). */
  openApiDocument(): object;
}

/** Dependencies of the module and glyph routes: the module system too. */
export interface ModuleRouteDependencies extends RouteDependencies {
  /** The module system (store, registry, gateways). */
  resolver: ServerModuleResolver;
}

/** Dependencies of the static file routes. */
export interface StaticRouteDependencies {
  /** Directory served at `/` (`RELAY_STATIC_DIR`). */
  staticDirectory: string;
}
