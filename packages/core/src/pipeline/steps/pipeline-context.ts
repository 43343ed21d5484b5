import type { Authorizer, ExecutionAction } from "../../ports/authorizer.js";
import type { CancellationRegistry } from "../../ports/cancellation-registry.js";
import type { Clock } from "../../ports/clock.js";
import type { EventBus } from "../../ports/event-bus.js";
import type { Executor } from "../../ports/executor.js";
import type { IdempotencyStore } from "../../ports/idempotency-store.js";
import type { Identity } from "../../ports/identity.js";
import type { Metrics } from "../../ports/metrics.js";
import type { ModuleFingerprinter } from "../../ports/module-fingerprinter.js";
import type {
  ModuleNotFoundError,
  ModuleResolver,
  ModuleVerificationError,
  ResolvedModule,
} from "../../ports/module-resolver.js";
import type { RateLimitDecision, RateLimitStore } from "../../ports/rate-limit-store.js";
import type { ResultCache } from "../../ports/result-cache.js";
import type { ExecuteRequest } from "../../schemas/execute-request.js";
import type { ExecuteResponse } from "../../schemas/execute-response.js";
import type { Policy } from "../../schemas/policy.js";
import type { ExecutionEventPublisher } from "../execution-event-publisher.js";
import type { RelayConfig } from "../relay-config.js";
import type { RelayOutcome } from "../relay-outcome.js";

/** The ports and configuration every step reads, defaults applied (built once per relay). */
export interface PipelinePorts {
  config: RelayConfig;
  clock: Clock;
  rateLimitStore: RateLimitStore;
  idempotencyStore: IdempotencyStore;
  authorizer: Authorizer;
  metrics: Metrics;
  /** Undefined: nothing is published. */
  bus: EventBus | undefined;
  executor: Executor;
  resolver: ModuleResolver;
  /** Gives modules their semantic identity (the deterministic seed and the cache key use it). */
  fingerprinter: ModuleFingerprinter;
  /** Undefined: no result cache (every run executes). */
  resultCache: ResultCache | undefined;
  /** Where running executions are tracked so that a cancel reaches them. */
  cancellation: CancellationRegistry;
}

/** Per-call options of an execution (the `Idempotency-Key` header and an abort signal). */
export interface PipelineOptions {
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
  /** What the authorizer is asked about the reference. @default "execute_wasm" */
  action?: ExecutionAction | undefined;
  /**
   * Aborted when a cancel (`relay.cancel`, from this relay or another) reached this execution:
   * set by the cancellation step once the call holds its idempotency lease.
   */
  cancellation?: CancellationFlag | undefined;
}

/** Whether a cancel reached the call (read where the run's outcome is decided). */
export interface CancellationFlag {
  readonly aborted: boolean;
}

/** What a call starts with. */
export interface RequestContext {
  /** The request body as parsed JSON, not yet validated. */
  body: unknown;
  identity: Identity;
  options: PipelineOptions;
}

/** After the rate limit let the call through. */
export interface AdmittedContext extends RequestContext {
  rateLimit: RateLimitDecision;
}

/** After validation. */
export interface ValidatedContext extends AdmittedContext {
  request: ExecuteRequest;
  /** The idempotency key the caller sent (body or header), if any. */
  explicitKey: string | undefined;
  /** The request's policy within the relay's bounds. */
  policy: Policy;
}

/** After authorization of the reference as written. */
export interface AuthorizedContext extends ValidatedContext {
  /** The policy to run under: the authorizer's, when it narrowed it, else {@link policy}. */
  authorizedPolicy: Policy;
}

/** A reference resolved before hashing: the verified module, or why there is none. */
export type ModuleResolution =
  | { module: ResolvedModule }
  | { failure: ModuleNotFoundError | ModuleVerificationError };

/** After resolution: the request has its id (hashing the resolved content). */
export interface ResolvedContext extends AuthorizedContext {
  resolution: ModuleResolution;
  /** Hex SHA-256 of the request (see `hashRequest`). */
  requestId: string;
}

/** After the idempotency gate gave this call the lease. */
export interface GatedContext extends ResolvedContext {
  /** The scoped idempotency key. */
  idempotencyKey: string;
  leaseToken: string;
  /** When the lease was taken (the pipeline's clock). @unit epoch milliseconds */
  leasedAt: number;
  /** How long the lease lasts from `leasedAt`. @unit milliseconds */
  leaseMs: number;
}

/** After the `requested` bus event: the execution's events publisher, when there is a bus. */
export interface AnnouncedContext extends GatedContext {
  /** Fields shared by the `requested` and `completed` bus events. */
  busEvent: {
    request_id: string;
    cid: string;
    inputs: ExecuteRequest["inputs"];
    policy: Policy;
    user_id: string;
    session_id: string | null;
  };
  events: ExecutionEventPublisher | undefined;
}

/** With the module to run (the resolution succeeded). */
export interface RunnableContext extends AnnouncedContext {
  module: ResolvedModule;
}

/** The question a deterministic run answers, as the result cache knows it. */
export interface CacheQuestion {
  /** The result-cache key (see `resultCacheKey`). */
  key: string;
  /** This call's single-flight claim, when it holds one. */
  claimToken?: string | undefined;
}

/** After the result cache was asked (and missed, or was not asked). */
export interface LookedUpContext extends RunnableContext {
  /** Seed of the run's deterministic clocks and randomness (see `deterministicSeed`). */
  seed: string;
  /** Set when the result may be cached. */
  question: CacheQuestion | undefined;
}

/** After execution (or a result-cache hit, when `cached`). */
export interface ExecutedContext extends RunnableContext {
  response: ExecuteResponse;
  /** The run's linear memory when it stopped, when the executor said. @unit bytes */
  peakMemory?: number | undefined;
  /** True when the response came from the result cache. */
  cached?: boolean | undefined;
  /** Set when the result may be cached. */
  question?: CacheQuestion | undefined;
}

/** A step that ends the call with this outcome. */
export interface Stop {
  stop: RelayOutcome;
}

/** Ends the call with `outcome`. */
export function stop(outcome: RelayOutcome): Stop {
  return { stop: outcome };
}

/** Whether a step ended the call. */
export function isStop<T extends object>(result: T | Stop): result is Stop {
  return "stop" in result;
}

/** Publishes to the bus, if any; a failed publish is counted, never thrown. */
export async function publishToBus(
  ports: Pick<PipelinePorts, "bus" | "metrics">,
  topic: string,
  payload: Parameters<EventBus["publish"]>[1],
): Promise<void> {
  if (!ports.bus) return;
  try {
    await ports.bus.publish(topic, payload);
  } catch {
    ports.metrics.increment("relay.bus.publish_failed", { topic });
  }
}
