import { describe, expect, it } from "vitest";
import { createMemoryResultCache } from "../../memory/memory-result-cache.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { executeModule } from "./execute-module-step.js";
import { isStop } from "./pipeline-context.js";
import { publishRequested } from "./publish-requested-step.js";
import { reportUnresolved } from "./report-unresolved-step.js";
import { isCacheHit, keepResult, lookUpResult } from "./result-cache-step.js";
import { gatedContext, testPorts } from "./step-test-ports.js";

async function runnable(ports: ReturnType<typeof testPorts>["ports"]) {
  const context = await reportUnresolved(ports, await publishRequested(ports, gatedContext()));
  if (isStop(context)) throw new Error("stopped");
  return context;
}

describe("lookUpResult / keepResult", () => {
  it("without a cache gives the run its seed and asks nothing", async () => {
    const { ports, tasks } = testPorts();
    const looked = await lookUpResult(ports, await runnable(ports));
    expect(isCacheHit(looked)).toBe(false);
    if (isCacheHit(looked)) return;
    expect(looked.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(looked.question).toBeUndefined();
    await executeModule(ports, looked);
    expect(tasks[0]?.seed).toBe(looked.seed);
  });

  it("misses and claims, keeps the run's result, then answers it as a hit", async () => {
    const { ports, metrics } = testPorts({ resultCache: createMemoryResultCache() });
    const first = await lookUpResult(ports, await runnable(ports));
    if (isCacheHit(first)) throw new Error("unexpected hit");
    expect(first.question?.claimToken).toBeDefined();
    const executed = await executeModule(ports, first);
    if (isStop(executed)) throw new Error("stopped");
    await keepResult(ports, executed);
    const second = await lookUpResult(ports, await runnable(ports));
    expect(isCacheHit(second)).toBe(true);
    if (!isCacheHit(second)) return;
    expect(second.response).toMatchObject({
      cached: true,
      output: 8,
      gas_used: 4,
      request_id: "r1",
    });
    expect(metrics.count(METRIC_NAMES.cacheMiss)).toBe(1);
    expect(metrics.count(METRIC_NAMES.cacheHit)).toBe(1);
  });
});
