import { describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { testPorts, validatedContext } from "./step-test-ports.js";
import { validateRequest } from "./validate-request-step.js";

function admitted(body: unknown, idempotencyKey?: string) {
  const { body: _, request: __, explicitKey: ___, policy: ____, ...context } = validatedContext();
  return { ...context, body, options: { idempotencyKey } };
}

describe("validateRequest", () => {
  it("checks the input bounds before the schema (one detail for too deep inputs)", () => {
    const { ports, metrics } = testPorts();
    let deep: unknown = 1;
    for (let level = 0; level < 200; level++) deep = [deep];
    const outcome = validateRequest(ports, admitted({ inputs: [deep] }));
    expect(outcome).toEqual({
      stop: {
        kind: "invalid",
        details: [expect.objectContaining({ path: "inputs", code: "too_deep" })],
      },
    });
    expect(metrics.count(METRIC_NAMES.invalidRequest)).toBe(1);
  });

  it("reports schema problems by path", () => {
    const { ports } = testPorts();
    const outcome = validateRequest(ports, admitted({ inputs: [1] }));
    expect(outcome).toMatchObject({ stop: { kind: "invalid", details: [{ path: "cid" }] } });
  });

  it("refuses a body idempotency_key that differs from the header", () => {
    const { ports } = testPorts();
    const outcome = validateRequest(
      ports,
      admitted({ cid: "glyph://calculator@quantum", idempotency_key: "a" }, "b"),
    );
    expect(outcome).toMatchObject({
      stop: { kind: "invalid", details: [{ path: "idempotency_key" }] },
    });
  });

  it("refuses a policy above the relay's bounds", () => {
    const { ports } = testPorts();
    const outcome = validateRequest(
      ports,
      admitted({ cid: "glyph://calculator@quantum", policy: { max_gas: 1e18 } }),
    );
    expect(outcome).toMatchObject({ stop: { kind: "invalid" } });
  });

  it("adds the request with defaults, the key from the header and the resolved policy", () => {
    const { ports } = testPorts();
    const context = admitted(
      { cid: "glyph://calculator@quantum", inputs: [1], policy: { max_gas: 5 } },
      "key-1",
    );
    const outcome = validateRequest(ports, context);
    expect(outcome).toBe(context);
    expect(outcome).toMatchObject({
      request: { cid: "glyph://calculator@quantum", inputs: [1] },
      explicitKey: "key-1",
      policy: { max_gas: 5 },
    });
  });
});
