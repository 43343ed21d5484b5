import {
  type Authorizer,
  type CancellationRegistry,
  createRelay,
  type EventBus,
  type Executor,
  type Metrics,
  type ModuleResolver,
  type Relay,
  type ResultCache,
} from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import type { SharedStores } from "../stores/create-stores.js";

/** What the pipeline is built from. */
export interface PipelineParts {
  /** Runs modules (the sandbox's worker pool or the embedder's). */
  executor: Executor;
  /** Turns a `cid` (CID or `glyph://`) into verified bytes. */
  resolver: ModuleResolver;
  /** Rate-limit and idempotency stores. */
  stores: SharedStores;
  /** Decides `execute` (and the other actions). */
  authorizer: Authorizer;
  /** Where execution events are published. */
  bus: EventBus;
  /** Where the pipeline records. */
  metrics: Metrics;
  /** Results of deterministic runs (`RELAY_RESULT_CACHE`); undefined: none. */
  resultCache?: ResultCache | undefined;
  /**
   * Names what besides the question decides results (the executor and its limits), so that
   * relays configured differently never share cache entries. @default "sandbox"
   */
  resultCacheScope?: string | undefined;
  /** Where running executions are tracked so that a cancel reaches them. */
  cancellation: CancellationRegistry;
}

/** Builds core's pipeline with the configuration's limits, policy bounds and idempotency TTL. */
export function buildPipeline(config: ServerConfig, parts: PipelineParts): Relay {
  return createRelay({
    executor: parts.executor,
    resolver: parts.resolver,
    stores: { rateLimit: parts.stores.rateLimit, idempotency: parts.stores.idempotency },
    authorizer: parts.authorizer,
    bus: parts.bus,
    metrics: parts.metrics,
    ...(parts.resultCache ? { resultCache: parts.resultCache } : {}),
    cancellation: parts.cancellation,
    config: {
      resultCacheTtlMs: config.RELAY_RESULT_CACHE_TTL,
      resultCacheScope: parts.resultCacheScope ?? "sandbox",
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
}
