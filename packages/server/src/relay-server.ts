import type { Server } from "node:http";
import {
  type Authorizer,
  CANCELLATION_REGISTRY_FAILED_METRIC,
  type EventBus,
  type Executor,
  type GlyphRegistry,
  type Metrics,
  type ModuleResolver,
  type ModuleStore,
  type Relay,
} from "@wasm-relay/core";
import { createSandboxExecutor, METER_VERSION } from "@wasm-relay/sandbox";
import { createAuthorizerFromConfig } from "./authorization/create-authorizer.js";
import { buildCancellation } from "./composition/build-cancellation.js";
import { buildHealth } from "./composition/build-health.js";
import { buildHttpServer, startListening } from "./composition/build-http-server.js";
import { buildObservability } from "./composition/build-observability.js";
import { buildPipeline } from "./composition/build-pipeline.js";
import { buildRoutes } from "./composition/build-routes.js";
import { StartUpResources } from "./composition/start-up-resources.js";
import { loadServerConfig, type ServerConfig } from "./config/server-config.js";
import { createEventBus } from "./events/create-event-bus.js";
import { closeGracefully } from "./http/close-gracefully.js";
import { createErrorBoundary } from "./http/error-boundary.js";
import type { AnyRouteDefinition } from "./http/route-definition.js";
import type { Authenticator } from "./identity/authenticator.js";
import { createAuthenticatorFromConfig } from "./identity/create-authenticator.js";
import {
  createModuleResolver,
  type ServerModuleResolver,
} from "./modules/create-module-resolver.js";
import { defaultModuleDirectory } from "./modules/default-module-directory.js";
import { preloadModules } from "./modules/preload-modules.js";
import { withExecutionLog } from "./observability/execution-log.js";
import { observeHttpRequests } from "./observability/http-request-metrics.js";
import { createRelayLogger, type RelayLogger } from "./observability/logger.js";
import type { PrometheusMetrics } from "./observability/prometheus-metrics.js";
import { registerRelayGauges } from "./observability/relay-gauges.js";
import { createRouteTemplateMatcher } from "./openapi/route-template-matcher.js";
import { buildQueueExecutor } from "./queue/build-queue-executor.js";
import { createResultCache } from "./stores/create-result-cache.js";
import { createStores, type SharedStores } from "./stores/create-stores.js";
import { createWebSocketEndpoint } from "./websocket/websocket-endpoint.js";
import { createWebSocketMetrics } from "./websocket/websocket-metrics.js";

/** Parts a server can be given instead of the ones its configuration builds. */
export interface RelayServerParts {
  executor?: Executor & { close?(): Promise<void> };
  /** A resolver to use instead of the module system (then `/modules` and `/glyphs` are not served). */
  resolver?: ModuleResolver;
  /** Module store instead of the configured one (`RELAY_MODULE_STORE_DIR` or memory). */
  moduleStore?: ModuleStore;
  /** Glyph registry instead of the configured one (file, Redis or memory). */
  glyphRegistry?: GlyphRegistry;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  bus?: EventBus;
  /** Extra metrics sink; the server's Prometheus registry (`GET /metrics`) records too. */
  metrics?: Metrics;
  /** Structured (pino) logger of executions. @default JSON lines on stdout at `LOG_LEVEL` */
  logger?: RelayLogger;
  /** Receives start-up warnings and unexpected errors. @default console.error */
  log?: (message: string) => void;
}

/** A running (or ready to run) relay server. */
export interface RelayServer {
  /** The effective configuration. */
  readonly config: ServerConfig;
  /** The pipeline behind `POST /intent/execute-wasm`. */
  readonly relay: Relay;
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** The definitions of the routes served (those `GET /openapi.json` documents). */
  readonly routes: readonly AnyRouteDefinition[];
  /** Starts listening. @returns the base URL (`http://host:port`). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, ends event streams, waits for in-flight requests, releases workers and stores. */
  close(): Promise<void>;
}

/**
 * Builds a relay server from a validated configuration, in named steps: observability,
 * identity and authorization (first: a bad setting stops start-up before anything opens),
 * stores (memory or Redis), the sandbox executor, the module system, the event bus, the
 * pipeline, health, routes and the HTTP server. When a step throws, what the earlier steps
 * opened (Redis connections, worker threads, the event bus) is closed before the error is
 * rethrown.
 * @throws Error when the module directory cannot be loaded; ConfigurationError-like errors of
 *   the authenticator and authorizer.
 */
export async function createRelayServer(
  config: ServerConfig,
  parts: RelayServerParts = {},
): Promise<RelayServer> {
  const log = parts.log ?? ((message: string) => console.error(message));
  const { prometheus, metrics, logger } = buildObservability(config, parts);
  const authenticator =
    parts.authenticator ?? (await createAuthenticatorFromConfig(config, { log }));
  const authorizer =
    parts.authorizer ?? (await createAuthorizerFromConfig(config, { metrics, log }));
  if (authenticator.name === "dev-headers") {
    log("warning: identity comes from the user_id header (dev-headers): anyone can claim any user");
  }
  const opened = new StartUpResources();
  return opened.build(async () => {
    const stores = opened.own(await buildStores(config, metrics), (owned) => owned.close());
    const executor =
      parts.executor ?? opened.own(buildExecutor(config, prometheus), (owned) => owned.close());
    const moduleResolver = parts.resolver
      ? undefined
      : await buildModuleSystem(config, { stores, executor, parts, metrics, log });
    const resolver = parts.resolver ?? moduleResolver!;
    const ownedBus = parts.bus
      ? undefined
      : opened.own(buildEventBus(config, stores, log), (owned) => owned.close());
    const bus = parts.bus ?? ownedBus!.bus;
    const resultCache = createResultCache({
      kind: config.RELAY_RESULT_CACHE,
      maxBytes: config.RELAY_RESULT_CACHE_MAX_BYTES,
      redis: stores.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      operationTimeoutMs: config.RELAY_REDIS_TIMEOUT,
    });
    // An executor of the embedder's may decide results differently from the sandbox; the
    // sandbox's results change with its meter (gas), so entries of another version never answer.
    const resultCacheScope = parts.executor ? "embedder-executor" : `sandbox-m${METER_VERSION}`;
    const cancellation = opened.own(
      await buildCancellation(config, stores, () =>
        metrics.increment(CANCELLATION_REGISTRY_FAILED_METRIC, { operation: "track" }),
      ),
      (owned) => owned.close(),
    );
    const relay = withExecutionLog(
      buildPipeline(config, {
        executor,
        resolver,
        stores,
        authorizer,
        bus,
        metrics,
        resultCache,
        resultCacheScope,
        cancellation: cancellation.registry,
      }),
      logger,
    );
    const openStreams = new Set<() => void>();
    registerRelayGauges(prometheus, {
      executor,
      openStreams,
      degradedReasons: () => stores.degradedReasons(),
    });
    const health = buildHealth(config, { executor, stores, authorizer });
    let server: Server | undefined;
    const { routes, openApiDocument } = buildRoutes(
      config,
      {
        relay,
        authenticator,
        authorizer,
        bus,
        openStreams,
        isClosing: () => !server?.listening,
        health,
        prometheus,
      },
      moduleResolver,
    );
    const observeHttp = observeHttpRequests(
      prometheus.registry,
      createRouteTemplateMatcher(
        Object.fromEntries(routes.definitions.map((route) => [route.path, { [route.method]: {} }])),
      ),
    );
    const http = buildHttpServer(config, {
      routes,
      answerError: createErrorBoundary({ log, logger }),
      openApiDocument,
      observe: observeHttp,
      log,
    });
    server = http.server;
    const started = server;
    const websocket = createWebSocketEndpoint({
      relay,
      authenticator,
      metrics: createWebSocketMetrics(prometheus.registry),
      settings: config,
      log,
    });
    websocket.attach(started);
    return {
      config,
      relay,
      server: started,
      routes: routes.definitions,
      listen: (port = config.PORT, host = config.HOST) => startListening(started, port, host),
      async close() {
        // WebSocket connections are sockets of the HTTP server too: its close waits for them.
        await Promise.all([
          websocket.close({ timeoutMs: config.RELAY_SHUTDOWN_TIMEOUT }),
          closeGracefully(started, {
            openStreams,
            timeoutMs: config.RELAY_SHUTDOWN_TIMEOUT,
            onTimeout: () => http.abandonInFlight(),
          }),
        ]);
        http.abandonInFlight();
        await executor.close?.();
        await ownedBus?.close();
        await cancellation.close();
        await stores.close();
      },
    };
  }, log);
}

/** Opens the rate-limit and idempotency stores: Redis when `REDIS_URL` is set, memory otherwise. */
function buildStores(config: ServerConfig, metrics: Metrics): Promise<SharedStores> {
  return createStores({
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    operationTimeoutMs: config.RELAY_REDIS_TIMEOUT,
    metrics,
  });
}

/**
 * The executor: the sandbox's worker threads (`RELAY_WORKERS`), or with `RELAY_EXECUTOR=queue`
 * the shared queue run by `relay-server worker` processes.
 */
function buildExecutor(
  config: ServerConfig,
  prometheus: PrometheusMetrics,
): Executor & { close(): Promise<void> } {
  if (config.RELAY_EXECUTOR === "queue") return buildQueueExecutor(config, prometheus);
  return createSandboxExecutor({ workers: config.RELAY_WORKERS });
}

/** The module system (directory, store, registry, gateways), with `RELAY_PRELOAD` compiled. */
async function buildModuleSystem(
  config: ServerConfig,
  options: {
    stores: SharedStores;
    executor: Executor;
    parts: RelayServerParts;
    metrics: Metrics;
    log: (message: string) => void;
  },
): Promise<ServerModuleResolver> {
  const resolver = await createModuleResolver({
    moduleDirectory: config.RELAY_MODULE_DIR ?? defaultModuleDirectory(),
    storeDirectory: config.RELAY_MODULE_STORE_DIR,
    registryFile: config.RELAY_GLYPH_REGISTRY_FILE,
    redis: options.stores.redis,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    gateways: config.RELAY_IPFS_GATEWAYS,
    gatewayTimeoutMs: config.RELAY_GATEWAY_TIMEOUT,
    maxModuleBytes: config.RELAY_MAX_MODULE_BYTES,
    cacheBytes: config.RELAY_MODULE_CACHE_BYTES,
    functionSettingsMax: config.RELAY_FUNCTION_SETTINGS_MAX,
    store: options.parts.moduleStore,
    registry: options.parts.glyphRegistry,
    metrics: options.metrics,
    log: options.log,
  });
  for (const result of await preloadModules(resolver, options.executor, config.RELAY_PRELOAD)) {
    if (result.error) options.log(`warning: RELAY_PRELOAD: ${result.reference}: ${result.error}`);
  }
  return resolver;
}

/** The event bus: Redis streams when the stores are on Redis, in-process otherwise. */
function buildEventBus(config: ServerConfig, stores: SharedStores, log: (message: string) => void) {
  return createEventBus({
    redis: stores.redis,
    keyPrefix: config.RELAY_EVENT_STREAM_PREFIX ?? `${config.REDIS_KEY_PREFIX}events:`,
    retention: config.RELAY_EVENT_RETENTION,
    retentionBytes: config.RELAY_EVENT_RETENTION_BYTES,
    onError: (error) => log(`warning: event bus: ${error.message}`),
  });
}

/** Options of {@link startRelayServer}. */
export interface StartRelayServerOptions extends RelayServerParts {
  /** Environment variables (defaults to none: the embedded defaults). */
  env?: Record<string, string | undefined>;
  /** Port (0 picks a free one). @default 0 */
  port?: number;
  /** Interface. @default "127.0.0.1" */
  host?: string;
  /** Directory served at `/` (sets `RELAY_STATIC_DIR`). */
  staticDir?: string;
}

/**
 * Creates and starts a server in one step: for tests and embedding.
 * @returns its base URL and a `close` function.
 * @throws ConfigurationError when `env` holds a bad value.
 */
export async function startRelayServer(
  options: StartRelayServerOptions = {},
): Promise<{ url: string; close(): Promise<void>; server: RelayServer }> {
  const env = {
    ...options.env,
    ...(options.staticDir ? { RELAY_STATIC_DIR: options.staticDir } : {}),
  };
  const relayServer = await createRelayServer(loadServerConfig(env), {
    log: () => {},
    ...(options.env?.LOG_LEVEL ? {} : { logger: createRelayLogger({ level: "silent" }) }),
    ...options,
  });
  const url = await relayServer.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  return { url, close: () => relayServer.close(), server: relayServer };
}
