import { describe, expect, it } from "vitest";
import { HttpProblem } from "../http/http-problem.js";
import { glyphPublisher } from "./glyph-publisher.js";

const rules = { operatorRole: "operator", reservedNames: new Set(["calculator"]) };
const caller = (userId: string, roles: string[] = []) => ({ userId, roles, sessionId: undefined });

function refusal(run: () => unknown): { status: number; type: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem)
      return { status: error.problem.status, type: error.problem.type };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("glyphPublisher", () => {
  it("publishes an ordinary name as the caller", () => {
    expect(glyphPublisher(caller("alice"), "tool", rules)).toBe("alice");
  });

  it("gives the operator role, never a user id, the operator's names", () => {
    expect(glyphPublisher(caller("ops", ["operator"]), "calculator", rules)).toBe("relay:operator");
    expect(
      refusal(() => glyphPublisher(caller("relay:operator"), "calculator", rules)),
    ).toMatchObject({
      status: 403,
      type: expect.stringContaining("reserved-user-id"),
    });
    expect(refusal(() => glyphPublisher(caller("relay:anything"), "tool", rules)).status).toBe(403);
    expect(refusal(() => glyphPublisher(caller("mallory"), "calculator", rules))).toMatchObject({
      type: expect.stringContaining("glyph-reserved"),
    });
  });

  it("keeps @scope/ names for the user of that id (and the operator)", () => {
    expect(glyphPublisher(caller("alice"), "@alice/tool", rules)).toBe("alice");
    expect(refusal(() => glyphPublisher(caller("bob"), "@alice/tool", rules))).toMatchObject({
      type: expect.stringContaining("glyph-scope"),
    });
    expect(refusal(() => glyphPublisher(caller("alicex"), "@alice/tool", rules)).status).toBe(403);
    expect(glyphPublisher(caller("ops", ["operator"]), "@alice/tool", rules)).toBe(
      "relay:operator",
    );
  });
});
