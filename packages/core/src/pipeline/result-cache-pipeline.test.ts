import { describe, expect, it } from "vitest";
import { outcomeToHttp } from "../http/outcome-to-http.js";
import { createInMemoryMetrics } from "../memory/in-memory-metrics.js";
import { createMemoryModuleResolver } from "../memory/memory-module-resolver.js";
import { createMemoryResultCache } from "../memory/memory-result-cache.js";
import type { Authorizer } from "../ports/authorizer.js";
import type { ExecutionResult, ExecutionTask, Executor } from "../ports/executor.js";
import { METRIC_NAMES } from "../ports/metrics.js";
import type { ResultCache } from "../ports/result-cache.js";
import { createRelay, type RelayDependencies } from "./create-relay.js";
import type { ExecutionEventEnvelope } from "./execution-event-publisher.js";
import { recordingBus } from "./steps/step-test-ports.js";

const MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
/** The same module with a custom section ("name", empty): another CID, the same fingerprint. */
const ANNOTATED = new Uint8Array([...MODULE, 0, 5, 4, 0x6e, 0x61, 0x6d, 0x65]);
/** Another module: one byte of a (memory) section more. */
const OTHER = new Uint8Array([...MODULE, 5, 3, 1, 0, 1]);
const alice = { userId: "alice", roles: [] };
const bob = { userId: "bob", roles: [] };

/** An executor whose result depends only on its task's seed and inputs (as a real one's does). */
function seededExecutor(delayMs = 0, result?: (task: ExecutionTask) => ExecutionResult) {
  const tasks: ExecutionTask[] = [];
  const executor: Executor = {
    async execute(task, options) {
      tasks.push(task);
      options?.onEvent?.({ type: "started", executorNode: "w1" });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (result) return result(task);
      return {
        success: true,
        output: { seed: task.seed ?? null, inputs: task.inputs },
        gasUsed: 1000,
        durationMs: 2.5,
        memoryBytes: 65536,
      };
    },
  };
  return { executor, tasks };
}

async function setup(overrides: Partial<RelayDependencies> = {}, executor = seededExecutor()) {
  const resolver = createMemoryModuleResolver();
  const cids = {
    plain: await resolver.add(MODULE),
    annotated: await resolver.add(ANNOTATED),
    other: await resolver.add(OTHER),
  };
  const { bus, published } = recordingBus();
  const metrics = createInMemoryMetrics();
  const resultCache = createMemoryResultCache();
  const relay = createRelay({
    executor: executor.executor,
    resolver,
    bus,
    metrics,
    resultCache,
    ...overrides,
  });
  const completes = () =>
    published
      .map((message) => (message.payload as unknown as ExecutionEventEnvelope).event)
      .filter((event) => event?.type === "execution_complete");
  return { relay, tasks: executor.tasks, metrics, cids, published, completes, resultCache };
}

describe("the result cache in the pipeline", () => {
  it("never answers across scopes (another meter version): the same cache, the same question, two runs", async () => {
    const shared = createMemoryResultCache();
    const older = await setup({ resultCache: shared, config: { resultCacheScope: "sandbox-m1" } });
    const body = { cid: older.cids.plain, inputs: [4, 5] };
    await older.relay.execute(body, alice);
    const newer = await setup({ resultCache: shared, config: { resultCacheScope: "sandbox-m2" } });
    const fresh = await newer.relay.execute({ ...body, cid: newer.cids.plain }, bob);
    if (fresh.kind !== "executed") throw new Error("not executed");
    expect(fresh.response.cached).toBeUndefined();
    expect(newer.tasks).toHaveLength(1);
    const same = await setup({ resultCache: shared, config: { resultCacheScope: "sandbox-m2" } });
    const hit = await same.relay.execute({ ...body, cid: same.cids.plain }, alice);
    if (hit.kind !== "executed") throw new Error("not executed");
    expect(hit.response.cached).toBe(true);
    expect(same.tasks).toHaveLength(0);
  });

  it("answers user B from user A's run: cached, same output and gas, nothing executed", async () => {
    const { relay, tasks, metrics, cids, completes } = await setup();
    const body = { cid: cids.plain, inputs: [1, 2] };
    const first = await relay.execute(body, alice);
    const second = await relay.execute(body, bob);
    if (first.kind !== "executed" || second.kind !== "executed") throw new Error("not executed");
    expect(tasks).toHaveLength(1);
    expect(second.response.cached).toBe(true);
    expect(first.response.cached).toBeUndefined();
    expect(second.response.output).toEqual(first.response.output);
    expect(second.response.gas_used).toBe(first.response.gas_used);
    // B's own request id, and the CID B asked for.
    expect(second.response.request_id).not.toBe(first.response.request_id);
    expect(second.response.resolved_cid).toBe(cids.plain);
    expect(outcomeToHttp(first, 60_000).headers["Relay-Cache"]).toBe("miss");
    expect(outcomeToHttp(second, 60_000).headers["Relay-Cache"]).toBe("hit");
    expect(metrics.count(METRIC_NAMES.cacheHit)).toBe(1);
    expect(metrics.observations(METRIC_NAMES.gasUsed)).toEqual([1000]);
    expect(completes()).toMatchObject([
      { success: true, request_id: first.response.request_id },
      { success: true, request_id: second.response.request_id, cached: true },
    ]);
    expect(completes()[0]).not.toHaveProperty("cached");
  });

  it("gives every caller the same seed: the result does not depend on who asks", async () => {
    const { relay, tasks, cids } = await setup();
    await relay.execute({ cid: cids.plain, inputs: [1], cache: false }, alice);
    await relay.execute({ cid: cids.plain, inputs: [1], cache: false }, bob);
    expect(tasks).toHaveLength(2);
    expect(tasks[0]?.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(tasks[1]?.seed).toBe(tasks[0]?.seed);
    expect(tasks[0]?.deterministic).toBe(true);
  });

  it("shares an entry between modules differing only in a custom section, not a code change", async () => {
    const { relay, tasks, cids } = await setup();
    await relay.execute({ cid: cids.plain, inputs: [] }, alice);
    const annotated = await relay.execute({ cid: cids.annotated, inputs: [] }, bob);
    expect(annotated).toMatchObject({ response: { cached: true, resolved_cid: cids.annotated } });
    const other = await relay.execute({ cid: cids.other, inputs: [] }, bob);
    expect(other).toMatchObject({ kind: "executed", response: { success: true } });
    if (other.kind === "executed") expect(other.response.cached).toBeUndefined();
    expect(tasks).toHaveLength(2);
  });

  it("runs a request with cache: false, and keeps nothing of it", async () => {
    const { relay, tasks, cids } = await setup();
    await relay.execute({ cid: cids.plain, inputs: [3], cache: false }, alice);
    const again = await relay.execute({ cid: cids.plain, inputs: [3], cache: false }, bob);
    const third = await relay.execute(
      { cid: cids.plain, inputs: [3] },
      { userId: "carol", roles: [] },
    );
    expect(tasks).toHaveLength(3);
    expect(again.kind === "executed" && again.response.cached).toBeFalsy();
    expect(third.kind === "executed" && third.response.cached).toBeFalsy();
  });

  it("never caches a deterministic: false run, and tells the executor", async () => {
    const { relay, tasks, cids } = await setup();
    await relay.execute({ cid: cids.plain, inputs: [4], deterministic: false }, alice);
    const later = await relay.execute({ cid: cids.plain, inputs: [4] }, bob);
    expect(tasks).toHaveLength(2);
    expect(tasks[0]?.deterministic).toBe(false);
    expect(later.kind === "executed" && later.response.cached).toBeFalsy();
  });

  it("tells a refused caller nothing: 403 before the cache is asked", async () => {
    const denyBob: Authorizer = {
      async authorize(request) {
        return request.user_id === "bob" ? { allowed: false, reason: "no" } : { allowed: true };
      },
    };
    const { relay, metrics, cids } = await setup({ authorizer: denyBob });
    await relay.execute({ cid: cids.plain, inputs: [5] }, alice);
    const refused = await relay.execute({ cid: cids.plain, inputs: [5] }, bob);
    expect(refused.kind).toBe("forbidden");
    expect(JSON.stringify(refused)).not.toContain("cached");
    expect(metrics.count(METRIC_NAMES.cacheHit)).toBe(0);
  });

  it("runs concurrent identical questions of different users once (single flight)", async () => {
    const { relay, tasks, cids, metrics } = await setup({}, seededExecutor(80));
    const users = ["u1", "u2", "u3", "u4", "u5"].map((userId) => ({ userId, roles: [] }));
    const outcomes = await Promise.all(
      users.map((user) => relay.execute({ cid: cids.plain, inputs: [6] }, user)),
    );
    expect(tasks).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome.kind === "executed" && outcome.response.cached),
    ).toHaveLength(4);
    expect(metrics.count(METRIC_NAMES.cacheHit)).toBe(4);
  });

  it("runs anyway when the holder of a claim does not finish within the wait", async () => {
    const { relay, tasks, cids } = await setup(
      { config: { resultCacheWaitMs: 30 } },
      seededExecutor(150),
    );
    const outcomes = await Promise.all([
      relay.execute({ cid: cids.plain, inputs: [7] }, alice),
      relay.execute({ cid: cids.plain, inputs: [7] }, bob),
    ]);
    expect(tasks).toHaveLength(2);
    expect(outcomes.every((outcome) => outcome.kind === "executed")).toBe(true);
  });

  it("skips a failing cache: the request runs, no error", async () => {
    const failing: ResultCache = {
      get: () => Promise.reject(new Error("down")),
      set: () => Promise.reject(new Error("down")),
      claim: () => Promise.reject(new Error("down")),
      release: () => Promise.reject(new Error("down")),
    };
    const { relay, tasks, cids, metrics } = await setup({ resultCache: failing });
    const first = await relay.execute({ cid: cids.plain, inputs: [8] }, alice);
    const second = await relay.execute({ cid: cids.plain, inputs: [8] }, bob);
    expect(first.kind).toBe("executed");
    expect(second.kind).toBe("executed");
    expect(tasks).toHaveLength(2);
    expect(metrics.count(METRIC_NAMES.cacheUnavailable)).toBeGreaterThan(0);
  });

  it("never caches a timeout", async () => {
    const timeout = seededExecutor(0, () => ({
      success: false,
      error: { code: "timeout", message: "the module ran longer than max_time (10 ms)" },
      gasUsed: null,
      durationMs: 10,
    }));
    const { relay, tasks, cids } = await setup({}, timeout);
    await relay.execute({ cid: cids.plain, inputs: [9] }, alice);
    await relay.execute({ cid: cids.plain, inputs: [9] }, bob);
    expect(tasks).toHaveLength(2);
  });

  it("answers a smaller budget from a gas_exhausted run, at that budget", async () => {
    const exhausting = seededExecutor(0, (task) => ({
      success: false,
      error: {
        code: "gas_exhausted",
        message: `the module used its whole gas budget (max_gas ${task.policy.max_gas})`,
      },
      gasUsed: task.policy.max_gas,
      durationMs: 3,
      memoryBytes: 65536,
    }));
    const { relay, tasks, cids } = await setup({}, exhausting);
    await relay.execute({ cid: cids.plain, inputs: [10], policy: { max_gas: 5000 } }, alice);
    const smaller = await relay.execute(
      { cid: cids.plain, inputs: [10], policy: { max_gas: 3000 } },
      bob,
    );
    expect(tasks).toHaveLength(1);
    expect(smaller).toMatchObject({
      response: {
        cached: true,
        success: false,
        gas_used: 3000,
        error: { code: "gas_exhausted", message: expect.stringContaining("max_gas 3000") },
      },
    });
    const larger = await relay.execute(
      { cid: cids.plain, inputs: [10], policy: { max_gas: 9000 } },
      { userId: "carol", roles: [] },
    );
    expect(larger.kind === "executed" && larger.response.cached).toBeFalsy();
    expect(tasks).toHaveLength(2);
  });
});
