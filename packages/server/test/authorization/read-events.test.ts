import type { AuthorizationRequest, Authorizer } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

const questions: AuthorizationRequest[] = [];
const authorizer: Authorizer = {
  async authorize(request) {
    questions.push(request);
    if (request.action === "read_events" && request.user_id === "mallory") {
      return { allowed: false, reason: "mallory may not watch" };
    }
    return { allowed: true };
  },
};

let relay: Awaited<ReturnType<typeof startRelayServer>>;
beforeAll(async () => {
  relay = await startRelayServer({ authorizer });
});
afterAll(async () => {
  await relay?.close();
});

describe("read_events authorization", () => {
  it("asks Antigone for read_events and answers a refusal with 403 and the reason", async () => {
    const refused = await fetch(`${relay.url}/intent/execute-wasm/events?request_id=abc`, {
      headers: { user_id: "mallory" },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: "Permission denied",
      reason: "mallory may not watch",
    });
    expect(questions.at(-1)).toMatchObject({
      user_id: "mallory",
      action: "read_events",
      resource: "abc",
    });

    const abort = new AbortController();
    const allowed = await fetch(`${relay.url}/intent/execute-wasm/events`, {
      headers: { user_id: "alice" },
      signal: abort.signal,
    });
    expect(allowed.status).toBe(200);
    expect(questions.at(-1)).toMatchObject({
      user_id: "alice",
      action: "read_events",
      resource: "*",
    });
    abort.abort();
  });
});
