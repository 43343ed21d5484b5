import { describe, expect, it } from "vitest";
import { BUS_TOPICS } from "../../ports/event-bus.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { ModuleNotFoundError, ModuleVerificationError } from "../../ports/module-resolver.js";
import { publishRequested } from "./publish-requested-step.js";
import { reportUnresolved } from "./report-unresolved-step.js";
import { gatedContext, testPorts } from "./step-test-ports.js";

describe("reportUnresolved", () => {
  it("passes a resolved module on", async () => {
    const { ports } = testPorts();
    const context = await reportUnresolved(ports, await publishRequested(ports, gatedContext()));
    expect(context).toMatchObject({ module: { cid: "bafk-adder" } });
  });

  it("answers a missing module as module_not_found and ends the event stream", async () => {
    const { ports, published, metrics } = testPorts();
    const failure = new ModuleNotFoundError("glyph://calculator@quantum");
    const announced = await publishRequested(ports, gatedContext({ failure }));
    expect(await reportUnresolved(ports, announced)).toEqual({
      stop: { kind: "module_not_found", reference: "glyph://calculator@quantum", requestId: "r1" },
    });
    expect(published.at(-1)).toMatchObject({
      topic: BUS_TOPICS.executionEvents,
      payload: { event: { type: "execution_error", error: { code: "module_not_found" } } },
    });
    expect(metrics.count(METRIC_NAMES.error, { code: "module_not_found" })).toBe(1);
  });

  it("answers unverifiable bytes as module_unverified with the reason", async () => {
    const { ports } = testPorts();
    const failure = new ModuleVerificationError("glyph://calculator@quantum", "digest differs");
    const announced = await publishRequested(ports, gatedContext({ failure }));
    expect(await reportUnresolved(ports, announced)).toMatchObject({
      stop: { kind: "module_unverified", message: "digest differs", requestId: "r1" },
    });
  });
});
