import { describe, expect, it } from "vitest";
import { BUS_TOPICS } from "../../ports/event-bus.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { executeModule } from "./execute-module-step.js";
import { isStop } from "./pipeline-context.js";
import { publishCompleted } from "./publish-completed-step.js";
import { publishRequested } from "./publish-requested-step.js";
import { reportUnresolved } from "./report-unresolved-step.js";
import { gatedContext, testPorts } from "./step-test-ports.js";

describe("publishCompleted", () => {
  it("ends the event stream, publishes completed after it, counts and answers executed", async () => {
    const { ports, published, metrics } = testPorts();
    const runnable = await reportUnresolved(ports, await publishRequested(ports, gatedContext()));
    if (isStop(runnable)) throw new Error("stopped");
    const executed = await executeModule(ports, runnable);
    if (isStop(executed)) throw new Error("stopped");
    const outcome = await publishCompleted(ports, executed);
    expect(outcome).toEqual({
      kind: "executed",
      response: executed.response,
      rateLimit: executed.rateLimit,
      cache: "miss",
    });
    const topics = published.map((message) => message.topic);
    expect(topics.at(-1)).toBe(BUS_TOPICS.completed);
    expect(published.at(-2)?.payload).toMatchObject({
      event: { type: "execution_complete", success: true, output: 8 },
    });
    expect(published.at(-1)?.payload).toMatchObject({
      request_id: "r1",
      success: true,
      output: 8,
      error: null,
      error_code: null,
      user_id: "alice",
    });
    expect(metrics.count(METRIC_NAMES.success)).toBe(1);
    expect(metrics.observations(METRIC_NAMES.gasUsed)).toEqual([4]);
  });
});
