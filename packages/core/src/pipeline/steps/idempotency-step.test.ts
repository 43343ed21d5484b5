import { describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { scopeIdempotencyKey } from "../idempotency-gate.js";
import { passIdempotency } from "./idempotency-step.js";
import { isStop, type ResolvedContext } from "./pipeline-context.js";
import { testPorts, validatedContext } from "./step-test-ports.js";

function resolved(requestId: string, explicitKey?: string): ResolvedContext {
  const context = validatedContext({ explicitKey });
  return {
    ...context,
    authorizedPolicy: context.policy,
    resolution: { module: { cid: "bafk", bytes: new Uint8Array() } },
    requestId,
  };
}

describe("passIdempotency", () => {
  it("takes the lease under the request id, scoped to the user", async () => {
    const { ports } = testPorts();
    const outcome = await passIdempotency(ports, resolved("r1"));
    expect(outcome).toMatchObject({
      idempotencyKey: scopeIdempotencyKey("alice", "r1"),
      leaseToken: expect.any(String),
    });
  });

  it("replays a completed request and counts the hit", async () => {
    const { ports, metrics } = testPorts();
    const first = await passIdempotency(ports, resolved("r1"));
    if (isStop(first)) throw new Error("stopped");
    const response = { request_id: "r1" } as never;
    await ports.idempotencyStore.complete(
      first.idempotencyKey,
      first.leaseToken,
      { fingerprint: "r1", response },
      1000,
    );
    expect(await passIdempotency(ports, resolved("r1"))).toMatchObject({
      stop: { kind: "replayed", response },
    });
    expect(metrics.count(METRIC_NAMES.idempotentHit)).toBe(1);
  });

  it("a different request under the caller's key is a mismatch", async () => {
    const { ports } = testPorts();
    await passIdempotency(ports, resolved("r1", "key"));
    expect(await passIdempotency(ports, resolved("r2", "key"))).toMatchObject({
      stop: { kind: "idempotency_mismatch", requestId: "r2" },
    });
  });

  it("the same request still running after the wait is in progress", async () => {
    const { ports } = testPorts();
    await passIdempotency(ports, resolved("r1"));
    expect(await passIdempotency(ports, resolved("r1"))).toMatchObject({
      stop: { kind: "idempotency_in_progress", requestId: "r1" },
    });
  });
});
