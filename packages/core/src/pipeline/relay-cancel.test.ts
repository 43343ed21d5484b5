import { describe, expect, it } from "vitest";
import { cancelOutcomeToHttp } from "../http/cancel-outcome-to-http.js";
import { createInMemoryMetrics } from "../memory/in-memory-metrics.js";
import { createMemoryCancellationRegistry } from "../memory/memory-cancellation-registry.js";
import { createMemoryEventBus } from "../memory/memory-event-bus.js";
import { createMemoryIdempotencyStore } from "../memory/memory-idempotency-store.js";
import { createMemoryModuleResolver } from "../memory/memory-module-resolver.js";
import type { CancellationRegistry } from "../ports/cancellation-registry.js";
import { BUS_TOPICS, type BusMessage } from "../ports/event-bus.js";
import { ExecutionCancelledError } from "../ports/execution-cancelled-error.js";
import type { ExecutionResult, ExecutionTask, Executor } from "../ports/executor.js";
import { waitUntil } from "../testing/wait-until.js";
import { createRelay, type RelayDependencies } from "./create-relay.js";
import type { ExecutionEventEnvelope } from "./execution-event-publisher.js";

const MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const alice = { userId: "alice", roles: [] };
const eve = { userId: "eve", roles: [] };
const root = { userId: "root", roles: ["admin"] };
const request = { cid: "glyph://calculator@quantum", inputs: [5, 3] };

/**
 * An executor whose runs wait until released (answering the sum) or aborted (rejecting with the
 * signal's reason, as the sandbox does). `honoursSignal: false` ignores the signal.
 */
function holdingExecutor(honoursSignal = true) {
  const tasks: ExecutionTask[] = [];
  const releases: (() => void)[] = [];
  const reasons: unknown[] = [];
  const executor: Executor = {
    execute(task, options) {
      tasks.push(task);
      options?.onEvent?.({ type: "started", executorNode: "w1" });
      return new Promise<ExecutionResult>((resolve, reject) => {
        const [a, b] = task.inputs as number[];
        releases.push(() =>
          resolve({ success: true, output: (a ?? 0) + (b ?? 0), gasUsed: 4, durationMs: 1 }),
        );
        const signal = options?.signal;
        if (!honoursSignal || !signal) return;
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => {
          reasons.push(signal.reason);
          reject(signal.reason);
        });
      });
    },
  };
  return { executor, tasks, releases, reasons };
}

async function setup(overrides: Partial<RelayDependencies> = {}, honoursSignal = true) {
  const resolver = createMemoryModuleResolver();
  const cid = await resolver.add(MODULE);
  resolver.tag("calculator", "quantum", cid);
  const held = holdingExecutor(honoursSignal);
  const bus = createMemoryEventBus();
  const metrics = createInMemoryMetrics();
  const dependencies = { executor: held.executor, resolver, bus, metrics, ...overrides };
  return { relay: createRelay(dependencies), dependencies, bus, metrics, ...held };
}

describe("relay.cancel", () => {
  it("answers the waiting call cancelled, ends its events with that result and records nothing", async () => {
    const { relay, tasks, releases, reasons, bus } = await setup();
    const events: BusMessage[] = [];
    await bus.subscribe(BUS_TOPICS.executionEvents, (message) => events.push(message));
    const waiting = relay.execute(request, alice);
    await waitUntil(() => tasks.length === 1);
    const requestId = tasks[0]!.requestId;

    expect(await relay.cancel(alice, requestId)).toEqual({
      kind: "cancelling",
      requestIds: [requestId],
    });
    const outcome = await waiting;
    expect(outcome).toMatchObject({
      kind: "executed",
      response: { success: false, request_id: requestId, error: { code: "cancelled" } },
    });
    expect(reasons[0]).toBeInstanceOf(ExecutionCancelledError);
    await waitUntil(() =>
      events.some(
        (message) =>
          (message.payload as unknown as ExecutionEventEnvelope).event.type !==
            "execution_started" &&
          (message.payload as unknown as ExecutionEventEnvelope).event.type !== "execution_queued",
      ),
    );
    const last = (events.at(-1)!.payload as unknown as ExecutionEventEnvelope).event;
    expect(last).toMatchObject({
      type: "execution_complete",
      success: false,
      error: { code: "cancelled" },
    });

    // Nothing was recorded: the same request runs afresh, and is not replayed.
    const again = relay.execute(request, alice);
    await waitUntil(() => tasks.length === 2);
    releases[1]!();
    expect(await again).toMatchObject({ kind: "executed", response: { success: true, output: 8 } });
    // That run finished: cancelling it now is a conflict.
    expect(await relay.cancel(alice, requestId)).toEqual({
      kind: "finished",
      requestIds: [requestId],
    });
  });

  it("cancels by the idempotency key the call was sent under, before its request id is known", async () => {
    const { relay, tasks } = await setup();
    const waiting = relay.execute(request, alice, { idempotencyKey: "job-7" });
    await waitUntil(() => tasks.length === 1);
    expect((await relay.cancel(alice, "job-7")).kind).toBe("cancelling");
    expect(await waiting).toMatchObject({ response: { error: { code: "cancelled" } } });
  });

  it("lets no one else cancel a caller's execution, except an admin", async () => {
    const { relay, tasks } = await setup();
    const waiting = relay.execute(request, alice, { idempotencyKey: "mine" });
    await waitUntil(() => tasks.length === 1);
    const requestId = tasks[0]!.requestId;
    expect(await relay.cancel(eve, requestId)).toEqual({ kind: "not_found", id: requestId });
    // Keys belong to their caller, even for an admin.
    expect((await relay.cancel(root, "mine")).kind).toBe("not_found");
    expect((await relay.cancel(root, requestId)).kind).toBe("cancelling");
    expect(await waiting).toMatchObject({ response: { error: { code: "cancelled" } } });
  });

  it("answers not_found for an unknown id and invalid for an empty or over-long one", async () => {
    const { relay } = await setup();
    expect(await relay.cancel(alice, "f".repeat(64))).toEqual({
      kind: "not_found",
      id: "f".repeat(64),
    });
    expect((await relay.cancel(alice, "")).kind).toBe("invalid");
    expect((await relay.cancel(alice, "k".repeat(256))).kind).toBe("invalid");
  });

  it("answers cancelled even when the executor finished regardless of the signal", async () => {
    const { relay, tasks, releases } = await setup({}, false);
    const waiting = relay.execute(request, alice);
    await waitUntil(() => tasks.length === 1);
    await relay.cancel(alice, tasks[0]!.requestId);
    releases[0]!();
    expect(await waiting).toMatchObject({
      response: { success: false, error: { code: "cancelled" } },
    });
    const again = relay.execute(request, alice);
    await waitUntil(() => tasks.length === 2);
    releases[1]!();
    expect(await again).toMatchObject({ kind: "executed", response: { success: true } });
  });

  it("reaches a call waiting on another relay that shares the registry and stores", async () => {
    const cancellation = createMemoryCancellationRegistry();
    const idempotency = createMemoryIdempotencyStore();
    const owner = await setup({ cancellation, stores: { idempotency } });
    const other = await setup({ cancellation, stores: { idempotency } });
    const waiting = owner.relay.execute(request, alice);
    await waitUntil(() => owner.tasks.length === 1);
    expect((await other.relay.cancel(alice, owner.tasks[0]!.requestId)).kind).toBe("cancelling");
    expect(await waiting).toMatchObject({ response: { error: { code: "cancelled" } } });
  });

  it("runs the execution anyway when the registry cannot track it, and counts that", async () => {
    const failing: CancellationRegistry = {
      track: async () => {
        throw new Error("registry down");
      },
      cancel: async () => ({ state: "unknown" }),
    };
    const { relay, tasks, releases, metrics } = await setup({ cancellation: failing });
    const waiting = relay.execute(request, alice);
    await waitUntil(() => tasks.length === 1);
    releases[0]!();
    expect(await waiting).toMatchObject({ response: { success: true, output: 8 } });
    expect(metrics.count("relay.cancellation.registry_failed", { operation: "track" })).toBe(1);
  });

  it("maps its outcomes to 202, 409, 404 and 400", () => {
    expect(cancelOutcomeToHttp({ kind: "cancelling", requestIds: ["r1"] })).toMatchObject({
      status: 202,
      body: { state: "cancelling", request_ids: ["r1"] },
    });
    expect(cancelOutcomeToHttp({ kind: "finished", requestIds: ["r1"] })).toMatchObject({
      status: 409,
      body: { type: expect.stringContaining("execution-finished"), request_id: "r1" },
    });
    expect(cancelOutcomeToHttp({ kind: "not_found", id: "x" })).toMatchObject({
      status: 404,
      body: { type: expect.stringContaining("execution-not-found") },
    });
    expect(
      cancelOutcomeToHttp({ kind: "invalid", details: [{ path: "request_id", message: "m" }] })
        .status,
    ).toBe(400);
  });
});
