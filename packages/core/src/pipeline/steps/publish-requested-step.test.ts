import { describe, expect, it } from "vitest";
import { BUS_TOPICS } from "../../ports/event-bus.js";
import { publishRequested } from "./publish-requested-step.js";
import { gatedContext, recordingBus, testPorts } from "./step-test-ports.js";

describe("publishRequested", () => {
  it("publishes requested (with the authorized policy); execution_queued waits for the executor's position", async () => {
    const { ports, published } = testPorts();
    const context = await publishRequested(ports, gatedContext());
    expect(context.events).toBeDefined();
    await context.events?.flushed();
    expect(published[0]).toEqual({
      topic: BUS_TOPICS.requested,
      payload: {
        request_id: "r1",
        cid: "glyph://calculator@quantum",
        inputs: [5, 3],
        policy: expect.objectContaining({ max_gas: 1234 }),
        user_id: "alice",
        session_id: "s1",
        timestamp: "2026-01-01T00:00:00.000Z",
      },
    });
    expect(published).toHaveLength(1);
    context.events?.fromExecutor({ type: "queued", position: 3 }, "node");
    await context.events?.flushed();
    expect(published[1]).toMatchObject({
      topic: BUS_TOPICS.executionEvents,
      payload: expect.objectContaining({
        event: expect.objectContaining({ type: "execution_queued", position: 3 }),
      }),
    });
  });

  it("without a bus publishes nothing and has no event stream", async () => {
    const { ports } = testPorts({ bus: undefined });
    expect((await publishRequested(ports, gatedContext())).events).toBeUndefined();
  });

  it("a failing bus is counted, not thrown", async () => {
    const { ports, metrics } = testPorts({ bus: recordingBus(true).bus });
    const context = await publishRequested(ports, gatedContext());
    await context.events?.flushed();
    expect(metrics.count("relay.bus.publish_failed", { topic: BUS_TOPICS.requested })).toBe(1);
  });
});
