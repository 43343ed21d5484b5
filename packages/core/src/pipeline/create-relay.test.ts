import { describe, expect, it } from "vitest";
import { outcomeToHttp } from "../http/outcome-to-http.js";
import { createInMemoryMetrics } from "../memory/in-memory-metrics.js";
import { createMemoryEventBus } from "../memory/memory-event-bus.js";
import { createMemoryModuleResolver } from "../memory/memory-module-resolver.js";
import type { Authorizer } from "../ports/authorizer.js";
import type { BusMessage } from "../ports/event-bus.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import type { ExecutionResult, ExecutionTask, Executor } from "../ports/executor.js";
import { ExecutorUnavailableError } from "../ports/executor.js";
import type { ModuleResolver } from "../ports/module-resolver.js";
import {
  ModuleSourceUnavailableError,
  UnsupportedModuleReferenceError,
} from "../ports/module-resolver.js";
import { createRelay, type RelayDependencies } from "./create-relay.js";
import type { ExecutionEventEnvelope } from "./execution-event-publisher.js";

const MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const alice = { userId: "alice", sessionId: "s1", roles: [] };

/** A scripted executor: core's unit tests may stand in for the Executor port. */
function scriptedExecutor(
  run: (task: ExecutionTask) => ExecutionResult | Promise<ExecutionResult>,
) {
  const tasks: ExecutionTask[] = [];
  const executor: Executor = {
    async execute(task, options) {
      tasks.push(task);
      options?.onEvent?.({ type: "started", executorNode: "w1" });
      options?.onEvent?.({ type: "progress", progress: 40 });
      options?.onEvent?.({ type: "progress", progress: 20 });
      return run(task);
    },
  };
  return { executor, tasks };
}

const adder = (task: ExecutionTask): ExecutionResult => {
  const [a, b] = task.inputs as number[];
  return { success: true, output: (a ?? 0) + (b ?? 0), gasUsed: 4, durationMs: 1.25 };
};

async function setup(
  overrides: Partial<RelayDependencies> = {},
  run: (task: ExecutionTask) => ExecutionResult | Promise<ExecutionResult> = adder,
) {
  const resolver = createMemoryModuleResolver();
  const cid = await resolver.add(MODULE);
  resolver.tag("calculator", "quantum", cid);
  const { executor, tasks } = scriptedExecutor(run);
  const bus = createMemoryEventBus();
  const metrics = createInMemoryMetrics();
  const relay = createRelay({ executor, resolver, bus, metrics, ...overrides });
  return { relay, tasks, bus, metrics, cid };
}

const request = { cid: "glyph://calculator@quantum", inputs: [5, 3] };

describe("createRelay", () => {
  it("executes and answers the seed's response", async () => {
    const { relay, cid } = await setup();
    const outcome = await relay.execute(request, alice);
    expect(outcome.kind).toBe("executed");
    if (outcome.kind !== "executed") return;
    expect(outcome.response).toMatchObject({
      success: true,
      output: 8,
      gas_used: 4,
      resolved_cid: cid,
    });
    expect(outcome.response.request_id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(outcome.response.executed_at).toISOString()).toBe(outcome.response.executed_at);
  });

  it("replays the same request without executing again", async () => {
    const { relay, tasks, metrics } = await setup();
    const first = await relay.execute(request, alice);
    const second = await relay.execute(
      { inputs: [5, 3], cid: "glyph://calculator@quantum" },
      alice,
    );
    expect(second.kind).toBe("replayed");
    expect(tasks).toHaveLength(1);
    if (first.kind === "executed" && second.kind === "replayed")
      expect(second.response).toEqual(first.response);
    expect(outcomeToHttp(second, 60_000).headers["Idempotent-Replayed"]).toBe("true");
    expect(metrics.count("relay.execute_wasm.idempotent_hit")).toBe(1);
  });

  it("scopes idempotency per user", async () => {
    const { relay, tasks } = await setup();
    await relay.execute(request, alice);
    const bob = await relay.execute(request, { userId: "bob", roles: [] });
    expect(bob.kind).toBe("executed");
    expect(tasks).toHaveLength(2);
  });

  it("runs concurrent duplicates once and gives all the same answer", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { relay, tasks } = await setup({}, async (task) => {
      await gate;
      return adder(task);
    });
    const pending = Array.from({ length: 5 }, () => relay.execute(request, alice));
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    const outcomes = await Promise.all(pending);
    expect(tasks).toHaveLength(1);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual([
      "executed",
      "replayed",
      "replayed",
      "replayed",
      "replayed",
    ]);
  });

  it("answers 422 when a key is reused with different content, 409 when the first outlives the wait", async () => {
    const { relay } = await setup({ config: { idempotencyMarginMs: 0 } }, async (task) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return adder(task);
    });
    const first = relay.execute(
      { ...request, idempotency_key: "k1", policy: { max_time: 50 } },
      alice,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const mismatch = await relay.execute(
      { ...request, inputs: [1, 1], idempotency_key: "k1" },
      alice,
    );
    expect(outcomeToHttp(mismatch, 60_000).status).toBe(422);
    const waiting = await relay.execute({ ...request, policy: { max_time: 50 } }, alice, {
      idempotencyKey: "k1",
    });
    expect(outcomeToHttp(waiting, 60_000).status).toBe(409);
    expect((await first).kind).toBe("executed");
  });

  it("rate-limits per user with Retry-After, before validation", async () => {
    const { relay, metrics } = await setup({
      config: { rateLimit: { limit: 2, windowMs: 60_000, algorithm: "sliding-window" } },
    });
    await relay.execute({ ...request, inputs: [1] }, alice);
    await relay.execute({ nonsense: true }, alice);
    const third = await relay.execute({ ...request, inputs: [3] }, alice);
    const answer = outcomeToHttp(third, 60_000);
    expect(answer.status).toBe(429);
    expect(Number(answer.headers["Retry-After"])).toBeGreaterThan(0);
    expect(answer.body).toMatchObject({
      error: "Rate limit exceeded",
      retry_after: Number(answer.headers["Retry-After"]),
    });
    expect(metrics.count("relay.execute_wasm.rate_limited")).toBe(1);
    expect((await relay.execute(request, { userId: "bob", roles: [] })).kind).toBe("executed");
  });

  it("answers 400 naming each bad field, and the policy maximum", async () => {
    const { relay, tasks } = await setup();
    const answer = outcomeToHttp(await relay.execute({ cid: "bogus", inputs: 5 }, alice), 60_000);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "Invalid request" });
    const paths = (answer.body as { details: { path: string }[] }).details.map(
      (detail) => detail.path,
    );
    expect(paths).toEqual(expect.arrayContaining(["cid", "inputs"]));
    const tooMuch = outcomeToHttp(
      await relay.execute({ ...request, policy: { max_time: 10_000_000 } }, alice),
      60_000,
    );
    expect(tooMuch.status).toBe(400);
    expect(JSON.stringify(tooMuch.body)).toContain("policy.max_time");
    expect(tasks).toHaveLength(0);
  });

  it("refuses with the authorizer's reason and does not execute", async () => {
    const authorizer: Authorizer = {
      authorize: async () => ({ allowed: false, reason: "not on the list" }),
    };
    const { relay, tasks } = await setup({ authorizer });
    const answer = outcomeToHttp(await relay.execute(request, alice), 60_000);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: "Permission denied", reason: "not on the list" });
    expect(tasks).toHaveLength(0);
  });

  it("answers 404 for an unknown module and 503 when the executor is full, leaving the key free", async () => {
    let full = true;
    const { relay, tasks } = await setup({}, (task) => {
      if (full) throw new ExecutorUnavailableError("queue full", 2000);
      return adder(task);
    });
    const missing = outcomeToHttp(
      await relay.execute({ cid: "glyph://nothing@here" }, alice),
      60_000,
    );
    expect(missing.status).toBe(404);
    const busy = outcomeToHttp(await relay.execute(request, alice), 60_000);
    expect(busy.status).toBe(503);
    expect(busy.headers["Retry-After"]).toBe("2");
    full = false;
    expect((await relay.execute(request, alice)).kind).toBe("executed");
    expect(tasks).toHaveLength(2);
  });

  it("echoes the caller's idempotency key in execution_queued, and only there", async () => {
    const { relay, bus } = await setup();
    const events: ExecutionEventEnvelope["event"][] = [];
    await bus.subscribe(BUS_TOPICS.executionEvents, (message) =>
      events.push((message.payload as unknown as ExecutionEventEnvelope).event),
    );
    await relay.execute(request, alice, { idempotencyKey: "call-7" });
    await relay.execute({ ...request, inputs: [1, 1] }, alice);
    const queued = events.filter((event) => event.type === "execution_queued");
    expect(queued).toHaveLength(2);
    expect(queued[0]).toMatchObject({ idempotency_key: "call-7" });
    expect(queued[1]).not.toHaveProperty("idempotency_key");
    expect(events.filter((event) => "idempotency_key" in event)).toHaveLength(1);
  });

  it("answers 503 with Retry-After when the module's source is unreachable, and runs nothing", async () => {
    const { relay, tasks } = await setup({
      resolver: {
        resolve: async (reference) => {
          throw new ModuleSourceUnavailableError(reference, "registry unreachable", 3000);
        },
      },
    });
    const answer = outcomeToHttp(await relay.execute(request, alice), 60_000);
    expect(answer.status).toBe(503);
    expect(answer.headers["Retry-After"]).toBe("3");
    expect(answer.body).toMatchObject({
      detail: "registry unreachable",
      type: expect.stringMatching(/\/module-source-unavailable$/),
      title: "Module source unavailable",
      retry_after: 3,
    });
    expect(tasks).toHaveLength(0);
  });

  it("publishes requested, ordered execution events and completed on the bus", async () => {
    const { relay, bus } = await setup();
    const seen: BusMessage[] = [];
    for (const topic of Object.values(BUS_TOPICS))
      await bus.subscribe(topic, (message) => seen.push(message));
    await relay.execute(request, alice);
    expect(seen[0]?.topic).toBe("wasm_exec_requested");
    expect(seen[0]?.payload).toMatchObject({
      cid: request.cid,
      inputs: [5, 3],
      user_id: "alice",
      session_id: "s1",
    });
    const events = seen
      .filter((message) => message.topic === BUS_TOPICS.executionEvents)
      .map((message) => (message.payload as unknown as ExecutionEventEnvelope).event);
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
    ]);
    expect(seen.at(-1)?.topic).toBe("wasm_exec_completed");
    expect(seen.at(-1)?.payload).toMatchObject({ success: true, output: 8 });
  });
});

describe("createRelay: deduplication by content", () => {
  const OTHER_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 0, 2, 1, 120]);

  it("hashes the resolved content: a CID and a glyph name for the same bytes are one request", async () => {
    const { relay, tasks, cid } = await setup();
    const byName = await relay.execute(request, alice);
    const byCid = await relay.execute({ cid, inputs: [5, 3] }, alice);
    expect(byName.kind).toBe("executed");
    expect(byCid.kind).toBe("replayed");
    if (byName.kind !== "executed" || byCid.kind !== "replayed") return;
    expect(byCid.response.request_id).toBe(byName.response.request_id);
    expect(byCid.response.resolved_cid).toBe(cid);
    expect(tasks).toHaveLength(1);
  });

  it("runs the new bytes under a new request_id once a tag moves", async () => {
    const resolver = (
      await import("../memory/memory-module-resolver.js")
    ).createMemoryModuleResolver();
    const first = await resolver.add(MODULE);
    const second = await resolver.add(OTHER_MODULE);
    resolver.tag("calculator", "quantum", first);
    const { executor, tasks } = scriptedExecutor(adder);
    const relay = createRelay({ executor, resolver });
    const before = await relay.execute(request, alice);
    resolver.tag("calculator", "quantum", second);
    const after = await relay.execute(request, alice);
    expect(before.kind).toBe("executed");
    expect(after.kind).toBe("executed");
    if (before.kind !== "executed" || after.kind !== "executed") return;
    expect(after.response.request_id).not.toBe(before.response.request_id);
    expect(after.response.resolved_cid).toBe(second);
    expect(tasks.map((task) => task.module.cid)).toEqual([first, second]);
  });

  it("answers 400 naming an unsupported codec, without execution", async () => {
    const resolver: ModuleResolver = {
      resolve: async (reference) => {
        throw new UnsupportedModuleReferenceError(
          reference,
          "codec dag-cbor (0x71) is not supported",
        );
      },
    };
    const { relay, tasks } = await setup({ resolver });
    const answer = outcomeToHttp(
      await relay.execute(
        { cid: "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", inputs: [] },
        alice,
      ),
      60_000,
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      details: [{ path: "cid", message: "codec dag-cbor (0x71) is not supported" }],
    });
    expect(tasks).toHaveLength(0);
  });

  it("resolves once per authorized request and never for a refused one", async () => {
    const memory = (
      await import("../memory/memory-module-resolver.js")
    ).createMemoryModuleResolver();
    const references: string[] = [];
    const resolver: ModuleResolver = {
      resolve: (reference, options) => {
        references.push(reference);
        return memory.resolve(reference, options);
      },
    };
    const refuse: Authorizer = { authorize: async () => ({ allowed: false, reason: "no" }) };
    const refused = await setup({ resolver, authorizer: refuse });
    const denied = await refused.relay.execute({ cid: "glyph://nothing@here" }, alice);
    expect(denied.kind).toBe("forbidden");
    const allowed = await setup({ resolver });
    const missing = await allowed.relay.execute({ cid: "glyph://nothing@here" }, alice);
    expect(outcomeToHttp(missing, 60_000).status).toBe(404);
    // The refused request resolved nothing: only the allowed one asked the resolver.
    expect(references).toEqual(["glyph://nothing@here"]);
    expect(refused.tasks).toHaveLength(0);
    expect(allowed.tasks).toHaveLength(0);
  });
});
