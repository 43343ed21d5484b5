import { describe, expect, it } from "vitest";
import type { AuthorizationRequest, Authorizer } from "../../ports/authorizer.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { authorizeRequest } from "./authorize-step.js";
import { testPorts, validatedContext } from "./step-test-ports.js";

function scriptedAuthorizer(decision: Awaited<ReturnType<Authorizer["authorize"]>>) {
  const asked: AuthorizationRequest[] = [];
  const authorizer: Authorizer = {
    async authorize(request) {
      asked.push(request);
      return decision;
    },
  };
  return { authorizer, asked };
}

describe("authorizeRequest", () => {
  it("asks about execute_wasm on the reference as written; a refusal is forbidden", async () => {
    const { authorizer, asked } = scriptedAuthorizer({ allowed: false, reason: "no quantum" });
    const { ports, metrics } = testPorts({ authorizer });
    const outcome = await authorizeRequest(ports, validatedContext());
    expect(asked).toEqual([
      expect.objectContaining({
        user_id: "alice",
        action: "execute_wasm",
        resource: "glyph://calculator@quantum",
      }),
    ]);
    expect(outcome).toEqual({
      stop: {
        kind: "forbidden",
        reason: "no quantum",
        requestId: expect.stringMatching(/^[0-9a-f]{64}$/),
        rateLimit: validatedContext().rateLimit,
      },
    });
    expect(metrics.count(METRIC_NAMES.permissionDenied)).toBe(1);
  });

  it("asks about the call's action when it names one (invoke_function for /fn/…)", async () => {
    const { authorizer, asked } = scriptedAuthorizer({ allowed: true });
    const { ports } = testPorts({ authorizer });
    await authorizeRequest(ports, validatedContext({ options: { action: "invoke_function" } }));
    expect(asked).toEqual([
      expect.objectContaining({
        action: "invoke_function",
        resource: "glyph://calculator@quantum",
      }),
    ]);
  });

  it("runs under the authorizer's narrowed policy when it gives one", async () => {
    const narrowed = { ...validatedContext().policy, max_gas: 7 };
    const { authorizer } = scriptedAuthorizer({ allowed: true, policy: narrowed });
    const { ports } = testPorts({ authorizer });
    expect(await authorizeRequest(ports, validatedContext())).toMatchObject({
      authorizedPolicy: narrowed,
      policy: validatedContext().policy,
    });
  });

  it("keeps the request's policy when the authorizer says nothing of it", async () => {
    const { ports } = testPorts();
    const context = validatedContext();
    expect(await authorizeRequest(ports, context)).toMatchObject({
      authorizedPolicy: context.policy,
    });
  });
});
