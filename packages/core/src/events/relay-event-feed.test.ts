import { describe, expect, it } from "vitest";
import { createMemoryEventBus } from "../memory/memory-event-bus.js";
import { createMemoryModuleResolver } from "../memory/memory-module-resolver.js";
import { createRelay, type RelayDependencies } from "../pipeline/create-relay.js";
import type { Executor } from "../ports/executor.js";
import { EventsPermissionDeniedError, EventsUnavailableError } from "./relay-events.js";

const MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const alice = { userId: "alice", roles: [] };

const executor: Executor = {
  async execute(task, options) {
    options?.onEvent?.({ type: "started", executorNode: "w1" });
    options?.onEvent?.({ type: "progress", progress: 50 });
    const [a, b] = task.inputs as number[];
    return { success: true, output: (a ?? 0) + (b ?? 0), gasUsed: 4, durationMs: 1 };
  },
};

async function relayWith(overrides: Partial<RelayDependencies> = {}) {
  const resolver = createMemoryModuleResolver();
  resolver.tag("calculator", "quantum", await resolver.add(MODULE));
  return createRelay({ executor, resolver, bus: createMemoryEventBus(), ...overrides });
}

describe("relay.events", () => {
  it("streams the execution an embedder started, followed by its idempotency key", async () => {
    const relay = await relayWith();
    const feed = await relay.events(alice, { idempotencyKey: "order-7" });
    const types: string[] = [];
    const reading = (async () => {
      for await (const item of feed) {
        types.push(item.kind === "event" ? item.event.type : `${item.kind}`);
      }
    })();
    await relay.execute({ cid: "glyph://calculator@quantum", inputs: [1, 2] }, alice);
    const outcome = await relay.execute(
      { cid: "glyph://calculator@quantum", inputs: [5, 3] },
      alice,
      { idempotencyKey: "order-7" },
    );
    await reading;
    expect(outcome.kind).toBe("executed");
    expect(types).toEqual([
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
      "end",
    ]);
  });

  it("asks the authorizer for read_events, and needs a bus", async () => {
    const asked: string[] = [];
    const refusing = await relayWith({
      authorizer: {
        async authorize(request) {
          asked.push(`${request.action} ${request.resource}`);
          return request.action === "read_events"
            ? { allowed: false, reason: "no streams here" }
            : { allowed: true };
        },
      },
    });
    await expect(refusing.events(alice, { requestId: "r" })).rejects.toThrow(
      EventsPermissionDeniedError,
    );
    expect(asked).toEqual(["read_events r"]);
    const busless = await relayWith({ bus: undefined });
    await expect(busless.events(alice)).rejects.toThrow(EventsUnavailableError);
  });
});
