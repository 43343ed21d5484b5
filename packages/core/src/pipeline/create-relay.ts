import { ADMIN_ROLE } from "../events/execution-event-scope.js";
import { createRelayEventFeed, type RelayEventFeed } from "../events/relay-event-feed.js";
import { createSemanticFingerprinter } from "../fingerprint/semantic-fingerprinter.js";
import { createMemoryCancellationRegistry } from "../memory/memory-cancellation-registry.js";
import { createMemoryIdempotencyStore } from "../memory/memory-idempotency-store.js";
import { createMemoryRateLimitStore } from "../memory/memory-rate-limit-store.js";
import type { Authorizer, ExecutionAction } from "../ports/authorizer.js";
import { allowAllAuthorizer } from "../ports/authorizer.js";
import type { CancellationRegistry } from "../ports/cancellation-registry.js";
import type { Clock } from "../ports/clock.js";
import { systemClock } from "../ports/clock.js";
import type { EventBus } from "../ports/event-bus.js";
import type { Executor } from "../ports/executor.js";
import type { IdempotencyStore } from "../ports/idempotency-store.js";
import type { Identity } from "../ports/identity.js";
import type { Metrics } from "../ports/metrics.js";
import { noopMetrics } from "../ports/metrics.js";
import type { ModuleFingerprinter } from "../ports/module-fingerprinter.js";
import type { ModuleResolver } from "../ports/module-resolver.js";
import type { RateLimitStore } from "../ports/rate-limit-store.js";
import type { ResultCache } from "../ports/result-cache.js";
import { type CancelOutcome, LONGEST_CANCEL_ID } from "./cancel-outcome.js";
import type { RelayConfig } from "./relay-config.js";
import { DEFAULT_RELAY_CONFIG } from "./relay-config.js";
import type { RelayOutcome } from "./relay-outcome.js";
import { authorizeRequest } from "./steps/authorize-step.js";
import { executeModule } from "./steps/execute-module-step.js";
import { passIdempotency } from "./steps/idempotency-step.js";
import { isStop, type PipelinePorts, type RequestContext } from "./steps/pipeline-context.js";
import { publishCompleted } from "./steps/publish-completed-step.js";
import { publishRequested } from "./steps/publish-requested-step.js";
import { applyRateLimit } from "./steps/rate-limit-step.js";
import { recordOutcome } from "./steps/record-outcome-step.js";
import { reportUnresolved } from "./steps/report-unresolved-step.js";
import { resolveModule } from "./steps/resolve-module-step.js";
import {
  isCacheHit,
  keepResult,
  lookUpResult,
  releaseQuestion,
} from "./steps/result-cache-step.js";
import { trackCancellation } from "./steps/track-cancellation-step.js";
import { validateRequest } from "./steps/validate-request-step.js";

/** What a relay is built from. Everything but `executor` and `resolver` has an in-memory default. */
export interface RelayDependencies {
  /** Runs modules. */
  executor: Executor;
  /** Turns references into verified bytes. */
  resolver: ModuleResolver;
  /** Shared state. @default bounded memory stores */
  stores?: { rateLimit?: RateLimitStore; idempotency?: IdempotencyStore };
  /** "Antigone". @default allow-all */
  authorizer?: Authorizer;
  /** "tmpbus". @default none: nothing is published */
  bus?: EventBus;
  /**
   * Where running executions are tracked so that a cancel reaches the relay running one.
   * @default an in-process registry (a cancel reaches this relay's executions only)
   */
  cancellation?: CancellationRegistry;
  /** @default no-op */
  metrics?: Metrics;
  /** @default the system clock */
  clock?: Clock;
  /** Semantic module identity. @default the semantic fingerprinter (custom sections stripped) */
  fingerprinter?: ModuleFingerprinter;
  /** Results of deterministic runs, shared by all callers. @default none: every request runs */
  resultCache?: ResultCache;
  /** Overrides of {@link DEFAULT_RELAY_CONFIG}. */
  config?: Partial<RelayConfig>;
}

/** Per-call options of {@link Relay.execute}. */
export interface RelayExecuteOptions {
  /** The `Idempotency-Key` header, when sent. */
  idempotencyKey?: string | undefined;
  /** Aborts waiting and running (e.g. on shutdown). */
  signal?: AbortSignal | undefined;
  /**
   * What the authorizer is asked: `invoke_function` for a function endpoint (`/fn/…`), whose
   * resource is the same reference (`glyph://name@tag`). @default "execute_wasm"
   */
  action?: ExecutionAction | undefined;
  /**
   * Told the request's `request_id` once it is known (after resolution, before the idempotency
   * gate and before any event of the run is published), so that a caller can follow or cancel
   * the run before its answer arrives (the WebSocket endpoint does). Not called for a request
   * stopped earlier (rate limit, validation, authorization, resolution).
   */
  onRequestId?: ((requestId: string) => void) | undefined;
}

/** The request pipeline. */
export interface Relay {
  /** The effective configuration. */
  readonly config: RelayConfig;
  /**
   * Runs one execute request through rate limit → validation → authorization (of the reference
   * as written) → resolution (the `request_id` hashes the resolved content, not the reference
   * as written) → idempotency → bus → execution → bus → record, and says what happened. A
   * caller the authorizer refuses costs no resolution: no registry lookup, no gateway fetch,
   * and the answer says nothing about the module. A module that cannot be resolved is reported
   * (404 / 422) without execution.
   * @param body the request body as parsed JSON (validated here, after the rate limit).
   * @throws only on infrastructure failures of the stores (the server maps them).
   */
  execute(body: unknown, identity: Identity, options?: RelayExecuteOptions): Promise<RelayOutcome>;
  /**
   * The execution events `identity` may see, as an async iterable: its own executions (an
   * `admin` sees all), one execution by `requestId` or `idempotencyKey`, resumed after
   * `lastEventId`, with gap notices and a bounded buffer (see `openRelayEvents`).
   * @throws EventsPermissionDeniedError when the authorizer refuses `read_events`,
   *   EventsUnavailableError without a bus, InvalidEventIdError for a malformed `lastEventId`.
   */
  events: RelayEventFeed;
  /**
   * Cancels `identity`'s queued or running execution (an `admin`'s: anyone's) named `id`, its
   * `request_id` or the idempotency key it was sent under, wherever it runs (through the
   * cancellation registry). The waiting call then answers `success: false` with
   * `error.code: "cancelled"`, its event stream ends with that result and no record is kept,
   * so that the same request later runs afresh. Resolves once the running relay was told, not
   * when the execution stopped.
   * @throws what the cancellation registry throws (its store is unreachable).
   */
  cancel(identity: Identity, id: string): Promise<CancelOutcome>;
}

/** The ports of a relay with every default applied. */
export function pipelinePorts(dependencies: RelayDependencies): PipelinePorts {
  const config: RelayConfig = { ...DEFAULT_RELAY_CONFIG, ...dependencies.config };
  const clock = dependencies.clock ?? systemClock;
  return {
    config,
    clock,
    rateLimitStore: dependencies.stores?.rateLimit ?? createMemoryRateLimitStore(),
    idempotencyStore: dependencies.stores?.idempotency ?? createMemoryIdempotencyStore({ clock }),
    authorizer: dependencies.authorizer ?? allowAllAuthorizer,
    metrics: dependencies.metrics ?? noopMetrics,
    bus: dependencies.bus,
    executor: dependencies.executor,
    resolver: dependencies.resolver,
    fingerprinter: dependencies.fingerprinter ?? createSemanticFingerprinter(),
    resultCache: dependencies.resultCache,
    cancellation: dependencies.cancellation ?? createMemoryCancellationRegistry({ clock }),
  };
}

/**
 * Runs one call through the pipeline's steps, in order, over one context object that each
 * step extends; the first step that stops the call gives the outcome.
 */
async function runPipeline(
  ports: PipelinePorts,
  start: RequestContext,
  onRequestId?: (requestId: string) => void,
): Promise<RelayOutcome> {
  const admitted = await applyRateLimit(ports, start); // 1. rate limit
  if (isStop(admitted)) return admitted.stop;
  const validated = validateRequest(ports, admitted); // 2. validation (input bounds first)
  if (isStop(validated)) return validated.stop;
  const authorized = await authorizeRequest(ports, validated); // 3. authorization
  if (isStop(authorized)) return authorized.stop;
  const resolved = await resolveModule(ports, authorized); // 4. resolution
  if (isStop(resolved)) return resolved.stop;
  onRequestId?.(resolved.requestId);
  const gated = await passIdempotency(ports, resolved); // 5. idempotency
  if (isStop(gated)) return gated.stop;
  // 10. record (or release) around the rest, cancellable from here on
  const tracking = trackCancellation(ports, gated);
  try {
    return await recordOutcome(ports, gated, async () => {
      try {
        const announced = await publishRequested(ports, gated); // 6. bus: requested
        const runnable = await reportUnresolved(ports, announced); // 7. unresolved module
        if (isStop(runnable)) return runnable.stop;
        const looked = await lookUpResult(ports, runnable); // 8a. result cache (single flight)
        if (isCacheHit(looked)) return await publishCompleted(ports, looked); // 9. from the cache
        await tracking.tracked; // a cancel from now on reaches the run
        let executed: Awaited<ReturnType<typeof executeModule>>;
        try {
          executed = await executeModule(ports, looked); // 8. execute
        } catch (error) {
          await releaseQuestion(ports, looked.question);
          throw error;
        }
        if (isStop(executed)) {
          await releaseQuestion(ports, looked.question);
          return executed.stop;
        }
        await keepResult(ports, executed); // 8b. keep a cacheable result
        return await publishCompleted(ports, executed); // 9. bus: completed; response
      } finally {
        // Beside the idempotency record, not before it.
        void tracking.finish();
      }
    });
  } finally {
    await tracking.finish();
  }
}

async function cancelExecution(
  ports: PipelinePorts,
  identity: Identity,
  id: string,
): Promise<CancelOutcome> {
  if (typeof id !== "string" || id.length === 0 || id.length > LONGEST_CANCEL_ID) {
    return {
      kind: "invalid",
      details: [
        {
          path: "request_id",
          message: `must be a request id or an idempotency key of 1 to ${LONGEST_CANCEL_ID} characters`,
        },
      ],
    };
  }
  const answer = await ports.cancellation.cancel({
    id,
    userId: identity.userId,
    anyUser: identity.roles.includes(ADMIN_ROLE),
  });
  if (answer.state === "unknown") return { kind: "not_found", id };
  if (answer.state === "cancelling") {
    ports.metrics.increment("relay.cancellations");
  }
  return { kind: answer.state, requestIds: answer.requestIds };
}

/** Builds the pipeline from its ports. */
export function createRelay(dependencies: RelayDependencies): Relay {
  const ports = pipelinePorts(dependencies);
  return {
    config: ports.config,
    execute: (body: unknown, identity: Identity, options: RelayExecuteOptions = {}) =>
      runPipeline(ports, { body, identity, options }, options.onRequestId),
    events: createRelayEventFeed(ports.bus, ports.authorizer),
    cancel: (identity: Identity, id: string) => cancelExecution(ports, identity, id),
  };
}
