// Stand-ins for the ports, shared by the step tests (core's unit tests may stand in for ports).

import { createSemanticFingerprinter } from "../../fingerprint/semantic-fingerprinter.js";
import { createInMemoryMetrics, type InMemoryMetrics } from "../../memory/in-memory-metrics.js";
import { createMemoryCancellationRegistry } from "../../memory/memory-cancellation-registry.js";
import { createMemoryIdempotencyStore } from "../../memory/memory-idempotency-store.js";
import { createMemoryModuleResolver } from "../../memory/memory-module-resolver.js";
import { createMemoryRateLimitStore } from "../../memory/memory-rate-limit-store.js";
import { DEFAULT_POLICY_LIMITS } from "../../policy/resolve-policy.js";
import { allowAllAuthorizer } from "../../ports/authorizer.js";
import type { Clock } from "../../ports/clock.js";
import type { EventBus } from "../../ports/event-bus.js";
import type { ExecutionResult, ExecutionTask } from "../../ports/executor.js";
import { executeRequestSchema } from "../../schemas/execute-request.js";
import type { JsonValue } from "../../schemas/json-value.js";
import { DEFAULT_RELAY_CONFIG } from "../relay-config.js";
import type { GatedContext, PipelinePorts, ValidatedContext } from "./pipeline-context.js";

/** Bytes of the smallest valid module. */
export const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

/** A clock stopped at 2026-01-01T00:00:00Z whose sleeps advance it. */
export function stoppedClock(): Clock {
  let now = Date.UTC(2026, 0, 1);
  return {
    now: () => now,
    sleep: async (milliseconds) => {
      now += milliseconds;
    },
  };
}

/** A bus that records what is published (and fails every publish when `failing`). */
export function recordingBus(failing = false) {
  const published: { topic: string; payload: JsonValue }[] = [];
  const bus: EventBus = {
    ordersConcurrentPublishes: true,
    async publish(topic, payload) {
      if (failing) throw new Error("bus down");
      published.push({ topic, payload });
      return String(published.length);
    },
    async subscribe() {
      return { unsubscribe() {}, gap: false };
    },
  };
  return { bus, published };
}

/** Ports of stand-ins: memory stores, in-memory metrics, a recording bus, an adding executor. */
export function testPorts(overrides: Partial<PipelinePorts> = {}) {
  const clock = stoppedClock();
  const metrics: InMemoryMetrics = createInMemoryMetrics();
  const { bus, published } = recordingBus();
  const tasks: ExecutionTask[] = [];
  const ports: PipelinePorts = {
    config: DEFAULT_RELAY_CONFIG,
    clock,
    rateLimitStore: createMemoryRateLimitStore(),
    idempotencyStore: createMemoryIdempotencyStore({ clock }),
    authorizer: allowAllAuthorizer,
    metrics,
    bus,
    executor: {
      async execute(task): Promise<ExecutionResult> {
        tasks.push(task);
        const [a, b] = task.inputs as number[];
        return { success: true, output: (a ?? 0) + (b ?? 0), gasUsed: 4, durationMs: 1.2344 };
      },
    },
    resolver: createMemoryModuleResolver(),
    fingerprinter: createSemanticFingerprinter(),
    resultCache: undefined,
    cancellation: createMemoryCancellationRegistry({ clock }),
    ...overrides,
  };
  return { ports, metrics, published, tasks };
}

/** A context as validation leaves it: alice asks for `glyph://calculator@quantum` on [5, 3]. */
export function validatedContext(overrides: Partial<ValidatedContext> = {}): ValidatedContext {
  return {
    body: {},
    identity: { userId: "alice", sessionId: "s1", roles: [] },
    options: {},
    rateLimit: { allowed: true, limit: 10, remaining: 9, resetMs: 60_000 },
    request: executeRequestSchema.parse({ cid: "glyph://calculator@quantum", inputs: [5, 3] }),
    explicitKey: undefined,
    policy: DEFAULT_POLICY_LIMITS.defaults,
    ...overrides,
  };
}

/** A context as the idempotency gate leaves it, resolved to `module` (or failing with `failure`). */
export function gatedContext(
  resolution: GatedContext["resolution"] = { module: { cid: "bafk-adder", bytes: EMPTY_MODULE } },
): GatedContext {
  const context = validatedContext();
  return {
    ...context,
    authorizedPolicy: { ...context.policy, max_gas: 1234 },
    resolution,
    requestId: "r1",
    idempotencyKey: "5:alice:r1",
    leaseToken: "lease",
    leasedAt: Date.UTC(2026, 0, 1),
    leaseMs: 2 * (context.policy.max_time + 10_000),
  };
}
