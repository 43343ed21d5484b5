import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let user = 0;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "2" } });
});
afterAll(async () => {
  await relay?.close();
});

/** A fresh user per test, so that rate limits and idempotency keys never collide. */
function newUser(): Record<string, string> {
  user += 1;
  return { user_id: `seed-user-${user}-${Date.now()}`, session_id: "test-session" };
}

async function post(body: unknown, headers: Record<string, string>, raw?: string) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: raw ?? JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const seedRequest = {
  cid: "glyph://calculator@quantum",
  inputs: [5, 3],
  policy: { max_gas: 1000000, max_time: 5000 },
};

describe("the seed's API", () => {
  it("answers the seed's curl example with output 8", async () => {
    const answer = await post(seedRequest, newUser());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, output: 8 });
    expect(answer.body.request_id).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof answer.body.duration).toBe("number");
    expect(Number.isNaN(Date.parse(String(answer.body.executed_at)))).toBe(false);
    expect(answer.headers.get("ratelimit-policy")).toContain("q=10");
  });

  it("replays the same request with Idempotent-Replayed and the same JSON", async () => {
    const headers = newUser();
    const first = await post(seedRequest, headers);
    const second = await post(
      {
        policy: { max_time: 5000, max_gas: 1000000 },
        inputs: [5, 3],
        cid: "glyph://calculator@quantum",
      },
      headers,
    );
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body).toEqual(first.body);
  });

  it("answers the 11th distinct request of a user within a minute with 429 and Retry-After", async () => {
    const headers = newUser();
    for (let i = 0; i < 10; i += 1) {
      expect((await post({ ...seedRequest, inputs: [i, 1] }, headers)).status).toBe(200);
    }
    const refused = await post({ ...seedRequest, inputs: [100, 1] }, headers);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({
      status: 429,
      error: "Rate limit exceeded",
      retry_after: retryAfter,
    });
  });

  it("times out an infinite loop within 600 ms and keeps serving", async () => {
    const headers = newUser();
    const started = performance.now();
    const answer = await post(
      {
        cid: "glyph://spin@quantum",
        inputs: [],
        policy: { max_time: 100, max_gas: 1_000_000_000 },
      },
      headers,
    );
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: false, error: { code: "timeout" } });
    expect(elapsed).toBeLessThan(600);
    expect((await post(seedRequest, headers)).body).toMatchObject({ success: true, output: 8 });
  });

  it("reports a trap as a result, not a server error", async () => {
    const answer = await post({ cid: "glyph://trap@quantum", inputs: [] }, newUser());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: false, error: { code: "trap" } });
  });

  it.each([
    ["an invalid CID", { cid: "not-a-cid", inputs: [1] }, 400, "cid"],
    ["wrong input types", { cid: "glyph://calculator@quantum", inputs: "5,3" }, 400, "inputs"],
    [
      "a policy above the maximum",
      { cid: "glyph://calculator@quantum", policy: { max_time: 3_600_000 } },
      400,
      "policy.max_time",
    ],
    [
      "a negative gas budget",
      { cid: "glyph://calculator@quantum", policy: { max_gas: -5 } },
      400,
      "policy.max_gas",
    ],
    ["an unknown member", { cid: "glyph://calculator@quantum", extra: true }, 400, "(body)"],
    ["an unknown module", { cid: "glyph://nothing@here", inputs: [] }, 404, "cid"],
  ])("answers %s with a problem naming it", async (_label, body, status, field) => {
    const answer = await post(body, newUser());
    expect(answer.status).toBe(status);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body.status).toBe(status);
    expect(typeof answer.body.error).toBe("string");
    expect(JSON.stringify(answer.body.details)).toContain(field);
  });

  it("answers malformed JSON with 400 and an oversized body with 413", async () => {
    const malformed = await post(undefined, newUser(), '{"cid": "glyph://calculator@quantum",');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: "Malformed JSON" });
    const huge = await post(
      { cid: "glyph://calculator@quantum", inputs: ["x".repeat(2 * 1024 * 1024)] },
      newUser(),
    );
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: "Payload too large" });
  });

  it("answers a missing user_id with 401, an unknown route with 404, a wrong method with 405", async () => {
    const anonymous = await post(seedRequest, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBeTruthy();
    const unknown = await fetch(`${relay.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    const wrongMethod = await fetch(`${relay.url}/intent/execute-wasm`, { method: "GET" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });

  it("serves the seed's health document", async () => {
    const response = await fetch(`${relay.url}/intent/execute-wasm/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "healthy",
      features: { idempotency: true, rate_limiting: true, sse_events: true },
      limits: { rate_limit: 10, rate_window: 60000, idempotency_ttl: 300000 },
    });
  });
});
