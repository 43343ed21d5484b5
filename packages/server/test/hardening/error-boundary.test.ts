import type { IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpProblem } from "../../src/http/http-problem.js";
import type { Authenticator } from "../../src/identity/authenticator.js";
import { startRelayServer } from "../../src/relay-server.js";

const logged: string[] = [];
let relay: Awaited<ReturnType<typeof startRelayServer>>;

/** Refuses with a header value Node cannot write (an en dash), or throws what `x-throw` says. */
const treacherousAuthenticator: Authenticator = {
  name: "treacherous",
  async authenticate(headers: IncomingHttpHeaders) {
    if (headers["x-throw"] === "plain") throw new Error("an unexpected failure");
    if (headers["x-throw"] === "string") throw "not even an Error";
    throw httpProblem(
      401,
      "unauthenticated",
      "Authentication required",
      { detail: "sub must be 1–256 characters" },
      { "WWW-Authenticate": 'Bearer error="invalid_token", error_description="sub: 1–256"' },
    );
  },
};

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1" },
    authenticator: treacherousAuthenticator,
    log: (message) => logged.push(message),
  });
});
afterAll(async () => {
  await relay?.close();
});

async function post(headers: Record<string, string>) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 2] }),
    signal: AbortSignal.timeout(5000),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("the error boundary (issue 12, item 8)", () => {
  it("answers a 500 problem when the refusal's header value cannot be written, and keeps serving", async () => {
    const answer = await post({});
    expect(answer.status).toBe(500);
    expect(answer.type).toBe("application/problem+json");
    expect(answer.body).toMatchObject({ status: 500, title: "Internal server error" });
    expect(logged.join("\n")).toContain("Invalid character in header content");
    const again = await post({});
    expect(again.status).toBe(500);
    const health = await fetch(`${relay.url}/intent/execute-wasm/health`);
    expect(health.status).toBe(200);
  });

  it("answers a 500 problem without a stack trace for anything else thrown", async () => {
    for (const kind of ["plain", "string"]) {
      const answer = await post({ "x-throw": kind });
      expect(answer.status).toBe(500);
      expect(JSON.stringify(answer.body)).not.toContain("at ");
      expect(JSON.stringify(answer.body)).not.toContain("unexpected failure");
    }
  });
});
