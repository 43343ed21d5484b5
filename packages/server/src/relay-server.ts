import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Authorizer,
  allowAllAuthorizer,
  createRelay,
  type EventBus,
  type Executor,
  type GlyphRegistry,
  type Health,
  type Metrics,
  type ModuleResolver,
  type ModuleStore,
  problemDocument,
  type Relay,
} from "@wasm-relay/core";
import { createSandboxExecutor } from "@wasm-relay/sandbox";
import { createAuthorizerFromConfig } from "./authorization/create-authorizer.js";
import { loadServerConfig, type ServerConfig } from "./config/server-config.js";
import { createEventBus } from "./events/create-event-bus.js";
import { ClientGoneError, isClientGone } from "./http/client-gone.js";
import { closeGracefully } from "./http/close-gracefully.js";
import { HttpProblem, httpProblem } from "./http/http-problem.js";
import { setBodyDeadline } from "./http/read-json-body.js";
import { RouteTable } from "./http/route-table.js";
import { shuttingDownProblem } from "./http/shutting-down.js";
import { writeProblem } from "./http/write-answer.js";
import type { Authenticator } from "./identity/authenticator.js";
import { createAuthenticatorFromConfig } from "./identity/create-authenticator.js";
import { createModuleResolver } from "./modules/create-module-resolver.js";
import { defaultModuleDirectory } from "./modules/default-module-directory.js";
import { preloadModules } from "./modules/preload-modules.js";
import { withExecutionLog } from "./observability/execution-log.js";
import { executorHealth } from "./observability/executor-health.js";
import { observeHttpRequests } from "./observability/http-request-metrics.js";
import { createRelayLogger, type RelayLogger } from "./observability/logger.js";
import { createPrometheusMetrics } from "./observability/prometheus-metrics.js";
import { registerRelayGauges } from "./observability/relay-gauges.js";
import { teeMetrics } from "./observability/tee-metrics.js";
import { createOpenApiDocument } from "./openapi/openapi-document.js";
import { createRouteTemplateMatcher } from "./openapi/route-template-matcher.js";
import { eventsRoute } from "./routes/events-route.js";
import { executeRoute } from "./routes/execute-route.js";
import { healthRoute } from "./routes/health-route.js";
import { metricsRoute } from "./routes/metrics-route.js";
import { registerModuleRoutes } from "./routes/modules-route.js";
import { openApiRoute } from "./routes/openapi-route.js";
import { staticRoute } from "./routes/static-route.js";
import { createStores } from "./stores/create-stores.js";

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
  /** Starts listening. @returns the base URL (`http://host:port`). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, ends event streams, waits for in-flight requests, releases workers and stores. */
  close(): Promise<void>;
}

/**
 * Builds a relay server from a validated configuration: stores (memory or Redis), sandbox
 * executor, module directory, dev identity, routes.
 * @throws Error when the module directory cannot be loaded.
 */
export async function createRelayServer(
  config: ServerConfig,
  parts: RelayServerParts = {},
): Promise<RelayServer> {
  const log = parts.log ?? ((message: string) => console.error(message));
  const prometheus = createPrometheusMetrics({
    maxGas: config.RELAY_LIMIT_MAX_GAS,
    maxTimeMs: config.RELAY_LIMIT_MAX_TIME,
  });
  const metrics = parts.metrics ? teeMetrics(parts.metrics, prometheus) : prometheus;
  const logger =
    parts.logger ?? createRelayLogger({ level: config.LOG_LEVEL, name: config.RELAY_NODE_NAME });
  // Identity and authorization first: a bad setting stops start-up before stores and workers open.
  const authenticator =
    parts.authenticator ?? (await createAuthenticatorFromConfig(config, { log }));
  const authorizer =
    parts.authorizer ?? (await createAuthorizerFromConfig(config, { metrics, log }));
  const stores = await createStores({
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    operationTimeoutMs: config.RELAY_REDIS_TIMEOUT,
    metrics,
  });
  const executor = parts.executor ?? createSandboxExecutor({ workers: config.RELAY_WORKERS });
  const moduleResolver = parts.resolver
    ? undefined
    : await createModuleResolver({
        moduleDirectory: config.RELAY_MODULE_DIR ?? defaultModuleDirectory(),
        storeDirectory: config.RELAY_MODULE_STORE_DIR,
        registryFile: config.RELAY_GLYPH_REGISTRY_FILE,
        redis: stores.redis,
        redisKeyPrefix: config.REDIS_KEY_PREFIX,
        gateways: config.RELAY_IPFS_GATEWAYS,
        gatewayTimeoutMs: config.RELAY_GATEWAY_TIMEOUT,
        maxModuleBytes: config.RELAY_MAX_MODULE_BYTES,
        cacheBytes: config.RELAY_MODULE_CACHE_BYTES,
        store: parts.moduleStore,
        registry: parts.glyphRegistry,
        metrics,
        log,
      });
  const resolver = parts.resolver ?? moduleResolver!;
  if (moduleResolver) {
    for (const result of await preloadModules(moduleResolver, executor, config.RELAY_PRELOAD)) {
      if (result.error) log(`warning: RELAY_PRELOAD: ${result.reference}: ${result.error}`);
    }
  }
  const ownedBus = parts.bus
    ? undefined
    : createEventBus({
        redis: stores.redis,
        keyPrefix: config.RELAY_EVENT_STREAM_PREFIX ?? `${config.REDIS_KEY_PREFIX}events:`,
        retention: config.RELAY_EVENT_RETENTION,
        retentionBytes: config.RELAY_EVENT_RETENTION_BYTES,
        onError: (error) => log(`warning: event bus: ${error.message}`),
      });
  const bus = parts.bus ?? ownedBus!.bus;
  if (authenticator.name === "dev-headers") {
    log("warning: identity comes from the user_id header (dev-headers): anyone can claim any user");
  }

  const pipeline = createRelay({
    executor,
    resolver,
    stores: { rateLimit: stores.rateLimit, idempotency: stores.idempotency },
    authorizer,
    bus,
    metrics,
    config: {
      rateLimit: {
        limit: config.RELAY_RATE_LIMIT,
        windowMs: config.RELAY_RATE_WINDOW,
        algorithm: config.RELAY_RATE_ALGORITHM,
      },
      rateLimitByRole: config.RELAY_RATE_LIMIT_BY_ROLE,
      idempotencyTtlMs: config.RELAY_IDEMPOTENCY_TTL,
      nodeName: config.RELAY_NODE_NAME,
      inputBounds: {
        maxDepth: config.RELAY_MAX_INPUT_DEPTH,
        maxValues: config.RELAY_MAX_INPUT_VALUES,
      },
      policy: {
        defaults: {
          max_memory: config.RELAY_DEFAULT_MAX_MEMORY,
          max_gas: config.RELAY_DEFAULT_MAX_GAS,
          max_time: config.RELAY_DEFAULT_MAX_TIME,
        },
        maxima: {
          max_memory: config.RELAY_LIMIT_MAX_MEMORY,
          max_gas: config.RELAY_LIMIT_MAX_GAS,
          max_time: config.RELAY_LIMIT_MAX_TIME,
        },
      },
    },
  });
  const relay = withExecutionLog(pipeline, logger);

  // One controller per request in flight, aborted when shutdown stops waiting: no listener
  // gathers on a signal shared by every request.
  const inFlight = new Set<AbortController>();
  let abandoning = false;
  const openStreams = new Set<() => void>();
  registerRelayGauges(prometheus, {
    executor,
    openStreams,
    degradedReasons: () => stores.degradedReasons(),
  });
  const health = (): Health => {
    const pool = executorHealth(executor);
    const reasons = [...pool.unhealthy, ...stores.degradedReasons(), ...pool.degraded];
    return {
      status: pool.unhealthy.length > 0 ? "unhealthy" : reasons.length > 0 ? "degraded" : "healthy",
      ...(reasons.length > 0 ? { reasons } : {}),
      features: {
        idempotency: true,
        rate_limiting: true,
        antigone_integration: authorizer !== allowAllAuthorizer,
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

  const routes = new RouteTable()
    .add(
      "POST",
      "/intent/execute-wasm",
      executeRoute({
        relay,
        authenticator,
        maxBodyBytes: config.RELAY_MAX_BODY_BYTES,
      }),
    )
    .add(
      "GET",
      "/intent/execute-wasm/events",
      eventsRoute({
        bus,
        authenticator,
        authorizer,
        openStreams,
        heartbeatMs: config.RELAY_EVENT_HEARTBEAT,
        maxBufferedBytes: config.RELAY_EVENT_BUFFER,
        isClosing: () => !server.listening,
      }),
    )
    .add("GET", "/intent/execute-wasm/health", healthRoute(health))
    .add(
      "GET",
      "/metrics",
      metricsRoute({ metrics: prometheus, token: config.RELAY_METRICS_TOKEN }),
    )
    .add(
      "GET",
      "/openapi.json",
      openApiRoute(
        createOpenApiDocument({
          authentication: config.RELAY_AUTH,
          metricsTokenRequired: config.RELAY_METRICS_TOKEN !== undefined,
        }),
      ),
    );
  if (moduleResolver) {
    registerModuleRoutes(routes, {
      resolver: moduleResolver,
      authenticator,
      authorizer,
      maxModuleBytes: config.RELAY_MAX_MODULE_BYTES,
      maxBodyBytes: config.RELAY_MAX_BODY_BYTES,
      operatorRole: config.RELAY_OPERATOR_ROLE,
      reservedNames: moduleResolver.reservedGlyphNames,
    });
  }
  if (config.RELAY_STATIC_DIR) {
    const serveStatic = staticRoute(config.RELAY_STATIC_DIR);
    routes.add("GET", "/", serveStatic).add("GET", "/:file", serveStatic);
  }

  /** The error boundary: whatever was thrown, the request gets an answer or its socket closes. */
  const answerError = (
    request: IncomingMessage,
    response: ServerResponse,
    error: unknown,
    aborted: boolean,
  ) => {
    if (error instanceof ClientGoneError || isClientGone(request, response)) {
      // The client's doing, not the relay's: no stack trace, nobody to answer.
      logger.debug(
        { method: request.method, path: pathForLog(request.url) },
        "the client closed the connection before its answer",
      );
      response.destroy();
      return;
    }
    if (response.headersSent) {
      log(
        `error: ${request.method} ${pathForLog(request.url)} failed after its headers: ${describe(error)}`,
      );
      response.destroy();
      return;
    }
    let problem: HttpProblem;
    if (error instanceof HttpProblem) {
      problem = error;
    } else if (aborted) {
      problem = shuttingDownProblem();
    } else {
      log(`error: ${request.method} ${pathForLog(request.url)}: ${describe(error)}`);
      problem = httpProblem(500, "internal-error", "Internal server error", {
        detail: "the relay failed unexpectedly; the request was not recorded and may be retried",
      });
    }
    try {
      writeProblem(response, problem.problem, problem.headers);
    } catch (writeError) {
      // E.g. a header value Node refuses (ERR_INVALID_CHAR): answer without the extra headers.
      log(`error: answering ${request.method} ${pathForLog(request.url)}: ${describe(writeError)}`);
      try {
        for (const name of response.getHeaderNames()) response.removeHeader(name);
        writeProblem(
          response,
          problemDocument(500, "internal-error", "Internal server error", {
            detail: "the relay could not write its answer; the request may be retried",
          }),
        );
      } catch {
        response.destroy();
      }
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const controller = new AbortController();
    inFlight.add(controller);
    setBodyDeadline(request, config.RELAY_REQUEST_TIMEOUT);
    try {
      if (abandoning) throw shuttingDownProblem();
      const url = requestUrl(request.url);
      const { handler, parameters } = routes.match(request.method ?? "GET", url.pathname);
      await handler({ request, response, url, parameters, signal: controller.signal });
    } catch (error) {
      answerError(request, response, error, controller.signal.aborted);
    } finally {
      inFlight.delete(controller);
    }
  };

  const observeHttp = observeHttpRequests(
    prometheus.registry,
    createRouteTemplateMatcher(createOpenApiDocument().paths),
  );
  const server = createServer(
    {
      headersTimeout: config.RELAY_HEADERS_TIMEOUT,
      // A backstop behind the body deadline (a 408 problem), which always comes first.
      requestTimeout: config.RELAY_HEADERS_TIMEOUT + config.RELAY_REQUEST_TIMEOUT + 1_000,
      // How often Node checks those two bounds (its default is 30 s).
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(config.RELAY_HEADERS_TIMEOUT / 4)),
      ),
      keepAliveTimeout: 5_000,
    },
    (request, response) => {
      try {
        observeHttp(request, response);
      } catch (error) {
        log(`warning: HTTP metrics: ${describe(error)}`);
      }
      handle(request, response).catch((error: unknown) => {
        log(`error: ${request.method} ${pathForLog(request.url)}: ${describe(error)}`);
        response.destroy();
      });
    },
  );

  return {
    config,
    relay,
    server,
    listen(port = config.PORT, host = config.HOST) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    async close() {
      await closeGracefully(server, {
        openStreams,
        timeoutMs: config.RELAY_SHUTDOWN_TIMEOUT,
        onTimeout: () => {
          abandoning = true;
          for (const controller of inFlight) controller.abort(new Error("server shutting down"));
        },
      });
      abandoning = true;
      for (const controller of inFlight) controller.abort(new Error("server shutting down"));
      await executor.close?.();
      await ownedBus?.close();
      await stores.close();
    },
  };
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

/**
 * The request target as a URL on the relay: origin-form (`/path?query`, even `//x`) or
 * absolute-form.
 * @throws HttpProblem 400 when it is neither.
 */
function requestUrl(target: string | undefined): URL {
  const text = target ?? "/";
  try {
    return text.startsWith("/") ? new URL(`http://relay.invalid${text}`) : new URL(text);
  } catch {
    throw httpProblem(400, "malformed-request-target", "Malformed request target", {
      detail: "the request target is not a path (or an absolute http URL)",
    });
  }
}

/** A request target fit for a log line: bounded, without its query (which may hold ids). */
function pathForLog(target: string | undefined): string {
  const path = (target ?? "/").split("?")[0] ?? "/";
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
