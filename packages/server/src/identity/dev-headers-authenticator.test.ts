import { describe, expect, it } from "vitest";
import { HttpProblem } from "../http/http-problem.js";
import { createDevHeadersAuthenticator } from "./dev-headers-authenticator.js";

describe("dev-headers identity", () => {
  it("a request without user_id (the seed's SSE curl without -H) gets a 401 that says how to identify", async () => {
    const failure = await createDevHeadersAuthenticator()
      .authenticate({ accept: "text/event-stream" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HttpProblem);
    const { problem, headers } = failure as HttpProblem;
    expect(problem.status).toBe(401);
    // Names the header, shows it as curl sends it, and says this is the development identity.
    expect(problem.detail).toMatch(/user_id header/);
    expect(problem.detail).toContain('-H "user_id: alice"');
    expect(problem.detail).toMatch(/development/);
    expect(problem.detail).toMatch(/RELAY_AUTH/);
    expect(headers["WWW-Authenticate"]).toContain('header="user_id"');
  });

  it("takes user_id and session_id from the headers", async () => {
    expect(
      await createDevHeadersAuthenticator().authenticate({ user_id: "ada", "session-id": "s1" }),
    ).toEqual({ userId: "ada", sessionId: "s1", roles: [] });
  });
});
