import { describe, expect, it } from "vitest";
import { outcomeToHttp } from "../../http/outcome-to-http.js";
import { ExecutorUnavailableError } from "../../ports/executor.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import type { RelayOutcome } from "../relay-outcome.js";
import { executeModule, toResponse } from "./execute-module-step.js";
import { isStop } from "./pipeline-context.js";
import { publishRequested } from "./publish-requested-step.js";
import { reportUnresolved } from "./report-unresolved-step.js";
import { gatedContext, testPorts } from "./step-test-ports.js";

async function runnable(ports: ReturnType<typeof testPorts>["ports"]) {
  const context = await reportUnresolved(ports, await publishRequested(ports, gatedContext()));
  if (isStop(context)) throw new Error("stopped");
  return context;
}

describe("executeModule", () => {
  it("runs the module under the authorized policy and builds the response", async () => {
    const { ports, tasks } = testPorts();
    const outcome = await executeModule(ports, await runnable(ports));
    expect(tasks).toEqual([
      expect.objectContaining({
        requestId: "r1",
        inputs: [5, 3],
        policy: expect.objectContaining({ max_gas: 1234 }),
      }),
    ]);
    expect(outcome).toMatchObject({
      response: {
        success: true,
        output: 8,
        gas_used: 4,
        duration: 1.234,
        request_id: "r1",
        resolved_cid: "bafk-adder",
        executed_at: "2026-01-01T00:00:00.000Z",
      },
    });
  });

  it("bounds the run's start so that it ends inside its idempotency lease (startWithinMs)", async () => {
    const { ports } = testPorts();
    const seen: (number | undefined)[] = [];
    ports.executor = {
      async execute(_task, options) {
        seen.push(options?.startWithinMs);
        return { success: true, output: 1, gasUsed: 1, durationMs: 1 };
      },
    };
    const context = await runnable(ports);
    const { max_time } = context.authorizedPolicy;
    const margin = ports.config.idempotencyMarginMs;
    await executeModule(ports, context);
    // The lease is 2 × (max_time + margin) from leasedAt; the run needs max_time, the record the margin.
    expect(seen[0]).toBe(context.leaseMs - max_time - margin);
    expect(seen[0]).toBe(max_time + margin);
    // Time spent since the lease was taken (a cache wait, say) comes off the bound.
    await ports.clock.sleep(4000);
    await executeModule(ports, await runnable(ports));
    expect(seen[1]).toBe(max_time + margin - 4000);
  });

  it("an executor that cannot take the work stops the call as unavailable", async () => {
    const { ports, metrics } = testPorts();
    ports.executor = {
      async execute() {
        throw new ExecutorUnavailableError("queue full", 2000);
      },
    };
    expect(await executeModule(ports, await runnable(ports))).toEqual({
      stop: { kind: "unavailable", message: "queue full", retryAfterMs: 2000, requestId: "r1" },
    });
    expect(metrics.count(METRIC_NAMES.error, { code: "executor_unavailable" })).toBe(1);
  });

  it("hands the executor the priority, the user and the idempotency lease; a per-caller refusal stops as 429", async () => {
    const { ports, tasks } = testPorts();
    const context = await runnable(ports);
    context.request.priority = "high";
    await executeModule(ports, context);
    expect(tasks[0]).toMatchObject({
      priority: "high",
      userId: context.identity.userId,
      idempotency: {
        key: context.idempotencyKey,
        leaseToken: context.leaseToken,
        ttlMs: ports.config.idempotencyTtlMs,
      },
    });
    ports.executor = {
      async execute() {
        throw new ExecutorUnavailableError("your lane is full", 3000, { perCaller: true });
      },
    };
    const refused = await executeModule(ports, await runnable(ports));
    expect(refused).toMatchObject({ stop: { kind: "unavailable", perCaller: true } });
    const answer = outcomeToHttp((refused as { stop: RelayOutcome }).stop, 60_000);
    expect(answer.status).toBe(429);
    expect(answer.headers["Retry-After"]).toBe("3");
    expect(answer.body).toMatchObject({ type: expect.stringMatching(/queue-quota-exceeded$/) });
  });

  it("throws any other executor error on", async () => {
    const { ports } = testPorts();
    ports.executor = {
      async execute() {
        throw new TypeError("bug");
      },
    };
    await expect(executeModule(ports, await runnable(ports))).rejects.toThrow("bug");
  });

  it("keeps the output of a failed run and its error", () => {
    const failed = toResponse(
      {
        success: false,
        error: { code: "trap", message: "unreachable" },
        output: "partial",
        gasUsed: 9,
        durationMs: 2,
      },
      "r1",
      "bafk",
      0,
    );
    expect(failed).toMatchObject({ success: false, error: { code: "trap" }, output: "partial" });
  });
});
