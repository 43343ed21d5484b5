import type { RelayEventFeed } from "../events/relay-event-feed.js";
import { createRelayEventFeed } from "../events/relay-event-feed.js";
import { hashRequest } from "../hashing/request-hash.js";
import { createMemoryIdempotencyStore } from "../memory/memory-idempotency-store.js";
import { createMemoryRateLimitStore } from "../memory/memory-rate-limit-store.js";
import { resolvePolicy } from "../policy/resolve-policy.js";
import type { Authorizer } from "../ports/authorizer.js";
import { allowAllAuthorizer } from "../ports/authorizer.js";
import type { Clock } from "../ports/clock.js";
import { systemClock } from "../ports/clock.js";
import type { EventBus } from "../ports/event-bus.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import type { ExecutionResult, Executor } from "../ports/executor.js";
import { ExecutorUnavailableError } from "../ports/executor.js";
import type { IdempotencyStore } from "../ports/idempotency-store.js";
import type { Identity } from "../ports/identity.js";
import type { Metrics } from "../ports/metrics.js";
import { METRIC_NAMES, noopMetrics } from "../ports/metrics.js";
import type { ModuleResolver, ResolvedModule } from "../ports/module-resolver.js";
import {
  ModuleNotFoundError,
  ModuleSourceUnavailableError,
  ModuleVerificationError,
  UnsupportedModuleReferenceError,
} from "../ports/module-resolver.js";
import type { RateLimitDecision, RateLimitStore } from "../ports/rate-limit-store.js";
import type { ExecuteRequest } from "../schemas/execute-request.js";
import { executeRequestSchema } from "../schemas/execute-request.js";
import type { ExecuteResponse } from "../schemas/execute-response.js";
import type { JsonBounds, JsonValue } from "../schemas/json-value.js";
import { findJsonBoundsViolation } from "../schemas/json-value.js";
import type { Policy } from "../schemas/policy.js";
import type { ProblemDetail } from "../schemas/problem.js";
import { ExecutionEventPublisher } from "./execution-event-publisher.js";
import { passIdempotencyGate, scopeIdempotencyKey } from "./idempotency-gate.js";
import type { RelayConfig } from "./relay-config.js";
import { DEFAULT_RELAY_CONFIG } from "./relay-config.js";
import type { RelayOutcome } from "./relay-outcome.js";
import { zodIssuesToDetails } from "./zod-issues.js";

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
  /** @default no-op */
  metrics?: Metrics;
  /** @default the system clock */
  clock?: Clock;
  /** Overrides of {@link DEFAULT_RELAY_CONFIG}. */
  config?: Partial<RelayConfig>;
}

/** Per-call options of {@link Relay.execute}. */
export interface RelayExecuteOptions {
  /** The `Idempotency-Key` header, when sent. */
  idempotencyKey?: string | undefined;
  /** Aborts waiting and running (e.g. on shutdown). */
  signal?: AbortSignal | undefined;
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
}

/** A reference resolved before hashing: the verified module, or why there is none. */
type ModuleResolution =
  | { module: ResolvedModule }
  | { failure: ModuleNotFoundError | ModuleVerificationError };

/** Builds the pipeline from its ports. */
export function createRelay(dependencies: RelayDependencies): Relay {
  const config: RelayConfig = { ...DEFAULT_RELAY_CONFIG, ...dependencies.config };
  const clock = dependencies.clock ?? systemClock;
  const rateLimitStore = dependencies.stores?.rateLimit ?? createMemoryRateLimitStore();
  const idempotencyStore =
    dependencies.stores?.idempotency ?? createMemoryIdempotencyStore({ clock });
  const authorizer = dependencies.authorizer ?? allowAllAuthorizer;
  const metrics = dependencies.metrics ?? noopMetrics;
  const { bus, executor, resolver } = dependencies;

  const publish = async (topic: string, payload: JsonValue) => {
    if (!bus) return;
    try {
      await bus.publish(topic, payload);
    } catch {
      metrics.increment("relay.bus.publish_failed", { topic });
    }
  };

  function limitFor(identity: Identity): number {
    let limit = config.rateLimit.limit;
    for (const role of identity.roles) {
      const roleLimit = config.rateLimitByRole[role];
      if (roleLimit !== undefined && roleLimit > limit) limit = roleLimit;
    }
    return limit;
  }

  async function execute(
    body: unknown,
    identity: Identity,
    options: RelayExecuteOptions = {},
  ): Promise<RelayOutcome> {
    // 1. Rate limit, before anything else costs work.
    const rateLimit = await rateLimitStore.consume(
      `user:${identity.userId}`,
      { ...config.rateLimit, limit: limitFor(identity) },
      clock.now(),
    );
    if (!rateLimit.allowed) {
      metrics.increment(METRIC_NAMES.rateLimited);
      return { kind: "rate_limited", rateLimit };
    }

    // 2. Validation: first the shape of `inputs`, without recursion, since the schema recurses.
    const bounds = inputBoundsDetail(body, config.inputBounds);
    if (bounds) {
      metrics.increment(METRIC_NAMES.invalidRequest);
      return { kind: "invalid", details: [bounds] };
    }
    const parsed = executeRequestSchema.safeParse(body);
    if (!parsed.success) {
      metrics.increment(METRIC_NAMES.invalidRequest);
      return { kind: "invalid", details: zodIssuesToDetails(parsed.error) };
    }
    const request = parsed.data;
    const explicitKey = request.idempotency_key ?? options.idempotencyKey;
    if (
      request.idempotency_key !== undefined &&
      options.idempotencyKey !== undefined &&
      request.idempotency_key !== options.idempotencyKey
    ) {
      metrics.increment(METRIC_NAMES.invalidRequest);
      return {
        kind: "invalid",
        details: [
          {
            path: "idempotency_key",
            message: "differs from the Idempotency-Key header; send one or make them equal",
          },
        ],
      };
    }
    const policyResolution = resolvePolicy(request.policy, config.policy);
    if (!policyResolution.ok) {
      metrics.increment(METRIC_NAMES.invalidRequest);
      return { kind: "invalid", details: policyResolution.details };
    }
    const policy = policyResolution.policy;

    // 3. Antigone, on the reference as the caller wrote it and before anything is resolved: a
    // refused caller makes the relay fetch nothing and learns nothing about the module.
    const decision = await authorizer.authorize({
      user_id: identity.userId,
      roles: identity.roles,
      action: "execute_wasm",
      resource: request.cid,
      context: { session_id: identity.sessionId, policy },
    });
    if (!decision.allowed) {
      metrics.increment(METRIC_NAMES.permissionDenied);
      const refusedId = await hashRequest({
        userId: identity.userId,
        module: request.cid,
        entry: request.entry,
        abi: request.abi,
        inputs: request.inputs,
        policy,
      });
      return {
        kind: "forbidden",
        reason: decision.reason ?? "not permitted",
        requestId: refusedId,
        rateLimit,
      };
    }
    const authorizedPolicy = decision.policy ?? policy;

    // 4. Resolve the reference to its content before hashing, so that a CIDv0, a CIDv1 and a
    // glyph name for the same bytes are one request (the resolver caches). A missing or
    // unverifiable module is answered after the idempotency gate, as before; such a request is
    // hashed by the reference as written.
    let resolution: ModuleResolution;
    try {
      resolution = {
        module: await resolver.resolve(
          request.cid,
          options.signal ? { signal: options.signal } : {},
        ),
      };
    } catch (error) {
      if (error instanceof UnsupportedModuleReferenceError) {
        metrics.increment(METRIC_NAMES.invalidRequest);
        return { kind: "invalid", details: [{ path: "cid", message: error.message }] };
      }
      if (error instanceof ModuleSourceUnavailableError) {
        metrics.increment(METRIC_NAMES.error, { code: "module_source_unavailable" });
        return {
          kind: "module_source_unavailable",
          message: error.message,
          retryAfterMs: error.retryAfterMs,
        };
      }
      if (error instanceof ModuleNotFoundError || error instanceof ModuleVerificationError) {
        resolution = { failure: error };
      } else {
        throw error;
      }
    }
    const requestId = await hashRequest({
      userId: identity.userId,
      module: "module" in resolution ? resolution.module.cid : request.cid,
      entry: request.entry,
      abi: request.abi,
      inputs: request.inputs,
      policy,
    });

    // 5. Idempotency.
    const key = scopeIdempotencyKey(identity.userId, explicitKey ?? requestId);
    // A live holder finishes within `bound`; its lease lasts twice that so that a duplicate's
    // wait ends (409) before the lease could expire under a slow but living holder.
    const bound = policy.max_time + config.idempotencyMarginMs;
    const gate = await passIdempotencyGate(idempotencyStore, clock, {
      key,
      fingerprint: requestId,
      leaseMs: 2 * bound,
      waitMs: bound,
      signal: options.signal,
    });
    if (gate.state === "replay") {
      metrics.increment(METRIC_NAMES.idempotentHit);
      return { kind: "replayed", response: gate.record.response, rateLimit };
    }
    if (gate.state === "mismatch") return { kind: "idempotency_mismatch", requestId, rateLimit };
    if (gate.state === "in_progress")
      return { kind: "idempotency_in_progress", requestId, rateLimit };
    const leaseToken = gate.leaseToken;

    try {
      const outcome = await authorizedRun(
        request,
        resolution,
        authorizedPolicy,
        requestId,
        identity,
        rateLimit,
        options,
      );
      if (outcome.kind === "executed") {
        await idempotencyStore.complete(
          key,
          leaseToken,
          { fingerprint: requestId, response: outcome.response },
          config.idempotencyTtlMs,
        );
      } else {
        await idempotencyStore.release(key, leaseToken);
      }
      return outcome;
    } catch (error) {
      await idempotencyStore.release(key, leaseToken).catch(() => undefined);
      throw error;
    }
  }

  /** Steps 6 on of an authorized request: bus, the resolution's outcome, execution, record. */
  async function authorizedRun(
    request: ExecuteRequest,
    resolution: ModuleResolution,
    policy: Policy,
    requestId: string,
    identity: Identity,
    rateLimit: RateLimitDecision,
    options: RelayExecuteOptions,
  ): Promise<RelayOutcome> {
    const busEvent = {
      request_id: requestId,
      cid: request.cid,
      inputs: request.inputs,
      policy,
      user_id: identity.userId,
      session_id: identity.sessionId ?? null,
    };

    // 6. tmpbus: requested.
    await publish(BUS_TOPICS.requested, {
      ...busEvent,
      timestamp: new Date(clock.now()).toISOString(),
    });
    const events = bus
      ? new ExecutionEventPublisher(
          bus,
          identity.userId,
          requestId,
          request.cid,
          clock.now,
          () =>
            metrics.increment("relay.bus.publish_failed", { topic: BUS_TOPICS.executionEvents }),
          request.idempotency_key ?? options.idempotencyKey,
        )
      : undefined;
    events?.queued();

    // 7. Resolved (step 4): report a module that could not be resolved.
    let module: ResolvedModule;
    try {
      if ("failure" in resolution) throw resolution.failure;
      module = resolution.module;
    } catch (error) {
      if (error instanceof ModuleNotFoundError || error instanceof ModuleVerificationError) {
        const notFound = error instanceof ModuleNotFoundError;
        events?.finish({
          type: "execution_error",
          error: {
            code: notFound ? "module_not_found" : "module_unverified",
            message: error.message,
          },
        });
        await events?.flushed();
        metrics.increment(METRIC_NAMES.error, {
          code: notFound ? "module_not_found" : "module_unverified",
        });
        return notFound
          ? { kind: "module_not_found", reference: request.cid, requestId }
          : {
              kind: "module_unverified",
              reference: request.cid,
              message: error.message,
              requestId,
            };
      }
      throw error;
    }

    // 8. Execute.
    let result: ExecutionResult;
    try {
      result = await executor.execute(
        {
          requestId,
          module,
          inputs: request.inputs,
          entry: request.entry,
          abi: request.abi,
          policy,
        },
        {
          signal: options.signal,
          onEvent: (event) => events?.fromExecutor(event, config.nodeName),
        },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      events?.finish({ type: "execution_error", error: { code: "executor_unavailable", message } });
      await events?.flushed();
      if (error instanceof ExecutorUnavailableError) {
        metrics.increment(METRIC_NAMES.error, { code: "executor_unavailable" });
        return { kind: "unavailable", message, retryAfterMs: error.retryAfterMs, requestId };
      }
      throw error;
    }

    const response = toResponse(result, requestId, module.cid, clock.now());
    events?.finish({
      type: "execution_complete",
      success: response.success,
      duration: response.duration,
      gas_used: response.gas_used,
      ...(response.output !== undefined ? { output: response.output } : {}),
      ...(response.success ? {} : { error: response.error }),
    });

    // 9. tmpbus: completed (after the execution's own events); metrics.
    await events?.flushed();
    await publish(BUS_TOPICS.completed, {
      ...busEvent,
      timestamp: response.executed_at,
      success: response.success,
      output: response.output ?? null,
      error: response.success ? null : response.error.message,
      error_code: response.success ? null : response.error.code,
    });
    if (response.success) metrics.increment(METRIC_NAMES.success);
    else metrics.increment(METRIC_NAMES.error, { code: response.error.code });
    metrics.observe(METRIC_NAMES.duration, response.duration);
    if (response.gas_used !== null) metrics.observe(METRIC_NAMES.gasUsed, response.gas_used);
    return { kind: "executed", response, rateLimit };
  }

  return { config, execute, events: createRelayEventFeed(bus, authorizer) };
}

/** The problem detail of `inputs` that pass a bound of their shape, if they do. */
function inputBoundsDetail(body: unknown, bounds: JsonBounds): ProblemDetail | undefined {
  if (body === null || typeof body !== "object" || !("inputs" in body)) return undefined;
  const violation = findJsonBoundsViolation(body.inputs, bounds);
  if (!violation) return undefined;
  return violation.bound === "depth"
    ? {
        path: "inputs",
        message: `must not nest arrays and objects deeper than ${violation.limit} levels (the input depth limit, RELAY_MAX_INPUT_DEPTH on the server)`,
        code: "too_deep",
      }
    : {
        path: "inputs",
        message: `must hold at most ${violation.limit} values, counting every array, object, member and element (the input size limit, RELAY_MAX_INPUT_VALUES on the server)`,
        code: "too_big",
      };
}

function toResponse(
  result: ExecutionResult,
  requestId: string,
  cid: string,
  now: number,
): ExecuteResponse {
  const common = {
    request_id: requestId,
    resolved_cid: cid,
    gas_used: result.gasUsed,
    duration: Math.round(result.durationMs * 1000) / 1000,
    executed_at: new Date(now).toISOString(),
  };
  if (result.success) return { success: true, ...common, output: result.output };
  return {
    success: false,
    ...common,
    error: result.error,
    ...(result.output !== undefined ? { output: result.output } : {}),
  };
}
