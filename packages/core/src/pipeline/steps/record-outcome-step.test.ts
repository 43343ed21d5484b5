import { describe, expect, it } from "vitest";
import type { RelayOutcome } from "../relay-outcome.js";
import { passIdempotency } from "./idempotency-step.js";
import { isStop } from "./pipeline-context.js";
import { recordOutcome } from "./record-outcome-step.js";
import { testPorts, validatedContext } from "./step-test-ports.js";

async function gated() {
  const { ports } = testPorts();
  const context = validatedContext();
  const outcome = await passIdempotency(ports, {
    ...context,
    authorizedPolicy: context.policy,
    resolution: { module: { cid: "bafk", bytes: new Uint8Array() } },
    requestId: "r1",
  });
  if (isStop(outcome)) throw new Error("stopped");
  return { ports, context: outcome };
}

describe("recordOutcome", () => {
  it("records an executed outcome so that the next call replays it", async () => {
    const { ports, context } = await gated();
    const executed = {
      kind: "executed",
      response: { request_id: "r1" },
      rateLimit: context.rateLimit,
    } as RelayOutcome;
    expect(await recordOutcome(ports, context, async () => executed)).toBe(executed);
    expect(await ports.idempotencyStore.begin(context.idempotencyKey, "r1", 1000)).toMatchObject({
      state: "completed",
      record: { fingerprint: "r1", response: { request_id: "r1" } },
    });
  });

  it("records nothing for a cancelled execution, so that the same request runs afresh", async () => {
    const { ports, context } = await gated();
    const cancelled = {
      kind: "executed",
      response: {
        success: false,
        request_id: "r1",
        error: { code: "cancelled", message: "cancelled" },
        gas_used: null,
        duration: 1,
        executed_at: "2026-01-01T00:00:00.000Z",
      },
    } as RelayOutcome;
    await recordOutcome(ports, context, async () => cancelled);
    expect(await ports.idempotencyStore.begin(context.idempotencyKey, "r1", 1000)).toMatchObject({
      state: "acquired",
    });
  });

  it("releases the lease for any other outcome", async () => {
    const { ports, context } = await gated();
    const unavailable: RelayOutcome = { kind: "unavailable", message: "busy", retryAfterMs: 1000 };
    await recordOutcome(ports, context, async () => unavailable);
    expect(await ports.idempotencyStore.begin(context.idempotencyKey, "r1", 1000)).toMatchObject({
      state: "acquired",
    });
  });

  it("releases the lease and throws on when the run throws", async () => {
    const { ports, context } = await gated();
    await expect(
      recordOutcome(ports, context, async () => {
        throw new Error("store down");
      }),
    ).rejects.toThrow("store down");
    expect(await ports.idempotencyStore.begin(context.idempotencyKey, "r1", 1000)).toMatchObject({
      state: "acquired",
    });
  });
});
