import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let user = 0;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
});
afterAll(async () => {
  await relay?.close();
});

function newUser(): Record<string, string> {
  user += 1;
  return { user_id: `fn-user-${user}-${Date.now()}`, session_id: "fn-session" };
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${relay.url}${path}`, { method: "POST", ...init });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
  };
}

/** What `curl -X POST …/fn/calculator@quantum/main -d '[5,3]'` sends: a form content type, no identity. */
function curlPost(path: string, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, relay.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(body),
          "User-Agent": "curl/8.5.0",
          Accept: "*/*",
        },
      },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (text += chunk));
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

describe("POST /fn/{name}@{tag}/{entry} (numeric)", () => {
  it("answers the quick start's curl with 8 on the embedded defaults (no identity, form content type)", async () => {
    const answer = await curlPost("/fn/calculator@quantum/main", "[5,3]");
    expect(answer).toEqual({ status: 200, text: "8" });
  });

  it("answers the output as JSON with Relay-Request-Id, Relay-Gas-Used and Relay-Duration", async () => {
    const answer = await call("/fn/calculator@quantum/sub", {
      body: "[10, 4]",
      headers: newUser(),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.body).toBe(6);
    expect(answer.headers.get("relay-request-id")).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(answer.headers.get("relay-gas-used"))).toBeGreaterThan(0);
    expect(Number(answer.headers.get("relay-duration"))).toBeGreaterThanOrEqual(0);
    expect(answer.headers.get("ratelimit-policy")).toContain("q=10");
  });

  it("has the same request id as the execute route for the same call (same pipeline, same hash)", async () => {
    const headers = newUser();
    const viaFunction = await call("/fn/calculator@quantum/main?max_gas=1000000", {
      body: "[2, 2]",
      headers,
    });
    const viaExecute = await call("/intent/execute-wasm", {
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({
        cid: "glyph://calculator@quantum",
        inputs: [2, 2],
        entry: "main",
        abi: "numeric",
        policy: { max_gas: 1000000 },
      }),
    });
    expect(viaExecute.body.request_id).toBe(viaFunction.headers.get("relay-request-id"));
    // The second is the first's replay: idempotency spans both routes.
    expect(viaExecute.headers.get("idempotent-replayed")).toBe("true");
  });

  it("a trap is a 422 problem with the execute route's error code", async () => {
    const answer = await call("/fn/trap@quantum/main", { body: "[]", headers: newUser() });
    expect(answer.status).toBe(422);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body).toMatchObject({ status: 422, code: "trap" });
    expect(answer.headers.get("relay-request-id")).toBe(answer.body.request_id);
  });

  it("out of gas (max_gas from the query) is 422 gas_exhausted; a timeout (max_time) is 504", async () => {
    const headers = newUser();
    const gas = await call("/fn/spin@quantum/main?max_gas=10000", { body: "[]", headers });
    expect(gas.status).toBe(422);
    expect(gas.body).toMatchObject({ code: "gas_exhausted", gas_used: 10000 });
    expect(gas.headers.get("relay-gas-used")).toBe("10000");
    const timeout = await call("/fn/spin@quantum/main?max_time=100&max_gas=1000000000", {
      body: "[]",
      headers,
    });
    expect(timeout.status).toBe(504);
    expect(timeout.body).toMatchObject({ code: "timeout" });
  });

  it("wrong arguments are 400 invalid_input; an unknown entry 404 entry_not_found", async () => {
    const headers = newUser();
    const wrong = await call("/fn/calculator@quantum/main", { body: '["a", 1]', headers });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: "invalid_input" });
    const missing = await call("/fn/calculator@quantum/nope", { body: "[1]", headers });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: "entry_not_found" });
  });

  it("refuses bad input cleanly: JSON, query, glyph, entry path, method", async () => {
    const headers = newUser();
    const cases: [string, RequestInit, number][] = [
      ["/fn/calculator@quantum/main", { body: "[5," }, 400],
      ["/fn/calculator@quantum/main", { body: "5" }, 400],
      ["/fn/calculator@quantum/main", { body: '{"a": 1}' }, 400],
      ["/fn/calculator@quantum/main?max_gas=-1", { body: "[1,2]" }, 400],
      ["/fn/calculator@quantum/main?max_gas=1&max_gas=2", { body: "[1,2]" }, 400],
      ["/fn/calculator@quantum/main?other=1", { body: "[1,2]" }, 400],
      ["/fn/calculator@quantum/main?max_gas=999999999999999", { body: "[1,2]" }, 400],
      ["/fn/Not_A_Glyph/main", { body: "[1,2]" }, 400],
      ["/fn/calculator@quantum/main/more", { body: "[1,2]" }, 404],
      ["/fn/calculator@quantum/", { body: "[1,2]" }, 404],
      ["/fn/nothing-here@quantum/main", { body: "[1,2]" }, 404],
      ["/fn/calculator@quantum/main", { method: "GET" }, 405],
      ["/fn/calculator@quantum/main", { method: "DELETE" }, 405],
      [
        "/fn/calculator@quantum/main",
        { body: "[1,2]", headers: { "Idempotency-Key": "k".repeat(256) } },
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const answer = await call(path, { ...init, headers: { ...headers, ...init.headers } });
      expect([path, answer.status]).toEqual([path, status]);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    const get = await call("/fn/calculator@quantum/main", { method: "GET", headers });
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("a body over RELAY_MAX_BODY_BYTES is 413", async () => {
    const answer = await call("/fn/calculator@quantum/main", {
      body: `[${"1,".repeat(600_000)}1]`,
      headers: newUser(),
    });
    expect(answer.status).toBe(413);
  });
});
