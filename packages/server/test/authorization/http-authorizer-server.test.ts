import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createInMemoryMetrics, type InMemoryMetrics } from "@wasm-relay/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AUTHORIZER_CACHE_HIT_METRIC,
  AUTHORIZER_UNAVAILABLE_METRIC,
} from "../../src/authorization/http-authorizer.js";
import { startRelayServer } from "../../src/relay-server.js";

/** A decision point on loopback whose answer each test sets. */
interface DecisionServer {
  url: string;
  received: { path: string; body: unknown }[];
  answer: (body: unknown, response: ServerResponse) => void;
  close(): Promise<void>;
}

async function startDecisionServer(): Promise<DecisionServer> {
  const state: DecisionServer = {
    url: "",
    received: [],
    answer: (_body, response) => json(response, 200, { allowed: true }),
    close: async () => {},
  };
  const server: Server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      const body = JSON.parse(text) as unknown;
      state.received.push({ path: request.url ?? "", body });
      state.answer(body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

let decisions: DecisionServer;
let user = 0;
beforeAll(async () => {
  decisions = await startDecisionServer();
});
afterAll(async () => {
  await decisions.close();
});
beforeEach(() => {
  decisions.received.length = 0;
});

type Relay = Awaited<ReturnType<typeof startRelayServer>>;
async function withRelay(
  env: Record<string, string>,
  run: (relay: Relay, metrics: InMemoryMetrics) => Promise<void>,
) {
  const metrics = createInMemoryMetrics();
  const relay = await startRelayServer({
    env: {
      RELAY_WORKERS: "1",
      RELAY_AUTHORIZER: "http",
      RELAY_RATE_LIMIT: "1000",
      // Generous unless a test is about the time box: a loaded machine must not fail closed.
      RELAY_AUTHORIZER_TIMEOUT: "5000",
      ...env,
    },
    metrics,
  });
  try {
    await run(relay, metrics);
  } finally {
    await relay.close();
  }
}

async function execute(relay: Relay, userId: string, inputs: number[] = [5, 3]) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: userId, session_id: "s-1" },
    body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const newUser = () => `http-authz-${++user}`;

describe("http authorizer against a decision server on loopback", () => {
  it("allows, posting the whole input, and reports Antigone in health", async () => {
    await withRelay({ RELAY_AUTHORIZER_URL: `${decisions.url}/decide` }, async (relay) => {
      const who = newUser();
      const answer = await execute(relay, who);
      expect(answer).toMatchObject({ status: 200, body: { success: true, output: 8 } });
      expect(decisions.received).toHaveLength(1);
      expect(decisions.received[0]).toEqual({
        path: "/decide",
        body: {
          user_id: who,
          roles: [],
          action: "execute_wasm",
          resource: "glyph://calculator@quantum",
          context: {
            session_id: "s-1",
            policy: { max_memory: 16_777_216, max_gas: 10_000_000, max_time: 5000 },
            priority: "normal",
          },
        },
      });
      const health = (await (await fetch(`${relay.url}/intent/execute-wasm/health`)).json()) as {
        features: Record<string, boolean>;
      };
      expect(health.features.antigone_integration).toBe(true);
    });
  });

  it("denies with the decision point's reason: 403 and the permission_denied metric", async () => {
    decisions.answer = (_body, response) =>
      json(response, 200, { allowed: false, reason: "quota exhausted" });
    await withRelay({ RELAY_AUTHORIZER_URL: decisions.url }, async (relay, metrics) => {
      const answer = await execute(relay, newUser());
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: "Permission denied", reason: "quota exhausted" });
      expect(metrics.count("relay.execute_wasm.permission_denied")).toBe(1);
    });
  });

  it("fails closed when the decision point is slow: 403 authorizer_unavailable within the time box", async () => {
    decisions.answer = (_body, response) => {
      setTimeout(() => json(response, 200, { allowed: true }), 3000).unref();
    };
    await withRelay(
      { RELAY_AUTHORIZER_URL: decisions.url, RELAY_AUTHORIZER_TIMEOUT: "200" },
      async (relay, metrics) => {
        const started = performance.now();
        const answer = await execute(relay, newUser());
        expect(performance.now() - started).toBeLessThan(2500);
        expect(answer.status).toBe(403);
        expect(answer.body).toMatchObject({
          error: "Permission denied",
          reason: "authorizer_unavailable",
        });
        expect(metrics.count(AUTHORIZER_UNAVAILABLE_METRIC, { reason: "timeout" })).toBe(1);
        expect(metrics.count("relay.execute_wasm.permission_denied")).toBe(1);
        const exposition = await (await fetch(`${relay.url}/metrics`)).text();
        expect(exposition).toMatch(/^relay_authorizer_unavailable_total\{reason="timeout"\} 1$/m);
      },
    );
  });

  it("fails closed when the decision point is down, answers 500, or answers nonsense", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    await withRelay(
      { RELAY_AUTHORIZER_URL: `http://127.0.0.1:${port}/` },
      async (relay, metrics) => {
        const answer = await execute(relay, newUser());
        expect(answer.status).toBe(403);
        expect(answer.body.reason).toBe("authorizer_unavailable");
        expect(metrics.count(AUTHORIZER_UNAVAILABLE_METRIC, { reason: "unreachable" })).toBe(1);
      },
    );
    await withRelay({ RELAY_AUTHORIZER_URL: decisions.url }, async (relay, metrics) => {
      decisions.answer = (_body, response) => json(response, 500, { allowed: true });
      expect((await execute(relay, newUser())).body.reason).toBe("authorizer_unavailable");
      decisions.answer = (_body, response) => json(response, 200, { allow: "yes" });
      expect((await execute(relay, newUser())).body.reason).toBe("authorizer_unavailable");
      expect(metrics.count(AUTHORIZER_UNAVAILABLE_METRIC, { reason: "status" })).toBe(1);
      expect(metrics.count(AUTHORIZER_UNAVAILABLE_METRIC, { reason: "malformed" })).toBe(1);
    });
  });

  it("absorbs repeats of the same input in its cache", async () => {
    decisions.answer = (_body, response) => json(response, 200, { allowed: true });
    await withRelay(
      { RELAY_AUTHORIZER_URL: decisions.url, RELAY_AUTHORIZER_CACHE_TTL: "60000" },
      async (relay, metrics) => {
        const who = newUser();
        // Different inputs: distinct executions (no idempotent replay), same authorization input.
        for (let i = 0; i < 5; i += 1) {
          expect((await execute(relay, who, [i, 1])).body).toMatchObject({ output: i + 1 });
        }
        expect(decisions.received).toHaveLength(1);
        expect(metrics.count(AUTHORIZER_CACHE_HIT_METRIC)).toBe(4);
        // Another user is another input.
        await execute(relay, newUser());
        expect(decisions.received).toHaveLength(2);
      },
    );
  });

  it("asks again once a decision's TTL has passed", async () => {
    decisions.answer = (_body, response) => json(response, 200, { allowed: true });
    await withRelay(
      { RELAY_AUTHORIZER_URL: decisions.url, RELAY_AUTHORIZER_CACHE_TTL: "200" },
      async (relay) => {
        const who = newUser();
        await execute(relay, who, [1, 1]);
        expect(decisions.received).toHaveLength(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await execute(relay, who, [2, 2]);
        expect(decisions.received).toHaveLength(2);
      },
    );
  });

  it("speaks Open Policy Agent's data API: {input} in, {result} out", async () => {
    let result: unknown = { allowed: false, reason: "not in the allow list" };
    decisions.answer = (_body, response) => json(response, 200, { result });
    await withRelay(
      {
        RELAY_AUTHORIZER_URL: `${decisions.url}/v1/data/relay/decision`,
        RELAY_AUTHORIZER_CACHE_TTL: "0",
      },
      async (relay) => {
        const who = newUser();
        const denied = await execute(relay, who);
        expect(denied).toMatchObject({ status: 403, body: { reason: "not in the allow list" } });
        expect(decisions.received[0]?.body).toMatchObject({
          input: { user_id: who, action: "execute_wasm", resource: "glyph://calculator@quantum" },
        });
        result = true;
        expect((await execute(relay, who)).status).toBe(200);
        result = undefined; // OPA's answer for an undefined rule: {}
        // Other inputs: the allowed request above would otherwise be replayed.
        expect((await execute(relay, who, [7, 7])).body.reason).toBe("authorizer_unavailable");
      },
    );
  });
});
