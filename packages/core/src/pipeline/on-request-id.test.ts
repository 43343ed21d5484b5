import { describe, expect, it } from "vitest";
import { createMemoryEventBus } from "../memory/memory-event-bus.js";
import { createMemoryModuleResolver } from "../memory/memory-module-resolver.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import type { Executor } from "../ports/executor.js";
import { createRelay } from "./create-relay.js";

const MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const alice = { userId: "alice", roles: [] };

async function setup() {
  const resolver = createMemoryModuleResolver();
  resolver.tag("calculator", "quantum", await resolver.add(MODULE));
  const executor: Executor = {
    execute: async () => ({ success: true, output: 8, gasUsed: 1, durationMs: 1 }),
  };
  const bus = createMemoryEventBus();
  return { relay: createRelay({ executor, resolver, bus }), bus };
}

describe("relay.execute onRequestId", () => {
  it("tells the request id before the run's first event is published", async () => {
    const { relay, bus } = await setup();
    const order: string[] = [];
    await bus.subscribe(BUS_TOPICS.executionEvents, () => order.push("event"));
    let told: string | undefined;
    const outcome = await relay.execute(
      { cid: "glyph://calculator@quantum", inputs: [5, 3] },
      alice,
      {
        onRequestId: (requestId) => {
          told = requestId;
          order.push("request_id");
        },
      },
    );
    expect(outcome.kind).toBe("executed");
    expect(told).toBe(outcome.kind === "executed" ? outcome.response.request_id : "");
    expect(order[0]).toBe("request_id");
  });

  it("is not called for a request the validator refuses", async () => {
    const { relay } = await setup();
    let called = false;
    const outcome = await relay.execute({ cid: 42 }, alice, {
      onRequestId: () => {
        called = true;
      },
    });
    expect(outcome.kind).toBe("invalid");
    expect(called).toBe(false);
  });
});
