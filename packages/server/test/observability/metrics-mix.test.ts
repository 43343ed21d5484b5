import { Writable } from "node:stream";
import type { Authorizer } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRelayLogger } from "../../src/observability/logger.js";
import { startRelayServer } from "../../src/relay-server.js";
import { parsePrometheusText, sumOf } from "./prometheus-text.js";

const DENIED_MODULE = "glyph://spin@quantum";
const denyMarked: Authorizer = {
  authorize: async (request) =>
    request.resource === DENIED_MODULE
      ? { allowed: false, reason: "marked module" }
      : { allowed: true },
};

const logLines: Record<string, unknown>[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n")) if (line.trim()) logLines.push(JSON.parse(line));
    done();
  },
});

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let userNumber = 0;
let meteredExecutions = 0;
/** Answers the result cache gave (a second user's trap of the same module and inputs): no execution. */
let cacheHits = 0;
function newUser(): Record<string, string> {
  userNumber += 1;
  return { user_id: `mix-${userNumber}-${Date.now()}`, session_id: "s" };
}

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "2", RELAY_RATE_LIMIT: "4" },
    authorizer: denyMarked,
    logger: createRelayLogger({ level: "info", destination: logSink }),
  });
});
afterAll(async () => {
  await relay?.close();
});

async function execute(body: unknown, user: Record<string, string>) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: "Bearer secret-token-123",
      ...user,
    },
    body: JSON.stringify(body),
  });
  const answer = {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  };
  // Executions whose executor metered them feed the gas histogram (replays and result-cache
  // hits are not executions).
  const cacheHit = response.headers.get("relay-cache") === "hit";
  if (cacheHit) cacheHits += 1;
  if (
    typeof answer.body.gas_used === "number" &&
    response.headers.get("idempotent-replayed") !== "true" &&
    !cacheHit
  ) {
    meteredExecutions += 1;
  }
  return answer;
}

async function scrape() {
  const response = await fetch(`${relay.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe("GET /metrics after a scripted mix of requests", () => {
  it("counts each outcome exactly", async () => {
    const expected = { success: 0, trap: 0, invalid: 0, rateLimited: 0, denied: 0, replayed: 0 };
    // Successes, each replayed once by the same user.
    for (let index = 0; index < 3; index += 1) {
      const user = newUser();
      const request = { cid: "glyph://calculator@quantum", inputs: [index, 424_242] };
      expect((await execute(request, user)).body).toMatchObject({
        success: true,
        output: index + 424_242,
      });
      expected.success += 1;
      expect((await execute(request, user)).status).toBe(200);
      expected.replayed += 1;
    }
    // Traps: results with success false.
    for (let index = 0; index < 2; index += 1) {
      expect(
        (await execute({ cid: "glyph://trap@quantum", inputs: [] }, newUser())).body,
      ).toMatchObject({
        success: false,
        error: { code: "trap" },
      });
      expected.trap += 1;
    }
    // Invalid bodies.
    for (const body of [
      { cid: "not-a-cid" },
      { cid: "glyph://calculator@quantum", inputs: "x" },
      { cid: "glyph://a@b", extra: 1 },
    ]) {
      expect((await execute(body, newUser())).status).toBe(400);
      expected.invalid += 1;
    }
    // Denied by the authorizer.
    for (let index = 0; index < 2; index += 1) {
      expect((await execute({ cid: DENIED_MODULE, inputs: [index] }, newUser())).status).toBe(403);
      expected.denied += 1;
    }
    // Rate limited: the 5th and 6th request of one user within the window (limit 4).
    const busy = newUser();
    for (let index = 0; index < 6; index += 1) {
      const answer = await execute({ cid: "glyph://calculator@quantum", inputs: [index, 1] }, busy);
      if (index < 4) {
        expect(answer.status).toBe(200);
        expected.success += 1;
      } else {
        expect(answer.status).toBe(429);
        expected.rateLimited += 1;
      }
    }

    const metrics = await scrape();
    expect(sumOf(metrics, "relay_execute_wasm_success_total")).toBe(expected.success);
    expect(sumOf(metrics, "relay_execute_wasm_error_total", { code: "trap" })).toBe(expected.trap);
    expect(sumOf(metrics, "relay_execute_wasm_error_total")).toBe(expected.trap);
    expect(sumOf(metrics, "relay_execute_wasm_invalid_request_total")).toBe(expected.invalid);
    expect(sumOf(metrics, "relay_execute_wasm_rate_limited_total")).toBe(expected.rateLimited);
    expect(sumOf(metrics, "relay_execute_wasm_permission_denied_total")).toBe(expected.denied);
    expect(sumOf(metrics, "relay_execute_wasm_idempotent_hit_total")).toBe(expected.replayed);
    expect(cacheHits).toBe(1);
    const executed = expected.success + expected.trap - cacheHits;
    expect(sumOf(metrics, "relay_execute_wasm_duration_seconds_count")).toBe(executed);
    expect(sumOf(metrics, "relay_execute_wasm_duration_seconds_bucket", { le: "+Inf" })).toBe(
      executed,
    );
    expect(sumOf(metrics, "relay_execute_wasm_gas_used_count")).toBe(meteredExecutions);
    expect(sumOf(metrics, "relay_store_fallback_active")).toBe(0);
    // The same requests by HTTP status, on the route's template.
    const http = (status: string) =>
      sumOf(metrics, "relay_http_requests_total", { route: "/intent/execute-wasm", status });
    expect(http("200")).toBe(expected.success + expected.trap + expected.replayed);
    expect(http("400")).toBe(expected.invalid);
    expect(http("403")).toBe(expected.denied);
    expect(http("429")).toBe(expected.rateLimited);
    expect(
      sumOf(metrics, "relay_http_request_duration_seconds_count", {
        route: "/intent/execute-wasm",
      }),
    ).toBe(
      expected.success +
        expected.trap +
        expected.replayed +
        expected.invalid +
        expected.denied +
        expected.rateLimited,
    );
    expect(sumOf(metrics, "process_cpu_user_seconds_total")).toBeGreaterThan(0);

    // One log line per execute call, without inputs, outputs or credentials.
    const executions = logLines.filter((line) => line.event === "execution");
    expect(executions).toHaveLength(
      expected.success +
        expected.replayed +
        expected.trap +
        expected.invalid +
        expected.denied +
        expected.rateLimited,
    );
    const outcomes = executions.map((line) => line.outcome);
    expect(outcomes.filter((outcome) => outcome === "success")).toHaveLength(expected.success);
    expect(outcomes.filter((outcome) => outcome === "failure")).toHaveLength(expected.trap);
    expect(outcomes.filter((outcome) => outcome === "forbidden")).toHaveLength(expected.denied);
    for (const line of executions) {
      expect(line).toMatchObject({
        user_id: expect.stringMatching(/^mix-/),
        duration_ms: expect.any(Number),
      });
      expect(line).toHaveProperty("request_id");
    }
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain("424242");
    expect(everything).not.toContain("424243");
    expect(everything).not.toContain("secret-token-123");
  });

  it("exports the worker pool and open event streams as gauges", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${relay.url}/intent/execute-wasm/events`, {
      headers: newUser(),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    try {
      const metrics = await scrape();
      expect(sumOf(metrics, "relay_sse_subscribers")).toBe(1);
      expect(sumOf(metrics, "relay_executor_pool_size")).toBe(2);
      expect(sumOf(metrics, "relay_executor_busy_workers")).toBe(0);
      expect(sumOf(metrics, "relay_executor_queue_depth")).toBe(0);
    } finally {
      controller.abort();
    }
    await expect.poll(async () => sumOf(await scrape(), "relay_sse_subscribers")).toBe(0);
  });
});

describe("RELAY_METRICS_TOKEN", () => {
  it("protects /metrics with a bearer token", async () => {
    const guarded = await startRelayServer({
      env: { RELAY_WORKERS: "1", RELAY_METRICS_TOKEN: "scrape-me" },
    });
    try {
      const missing = await fetch(`${guarded.url}/metrics`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      expect(
        (await fetch(`${guarded.url}/metrics`, { headers: { Authorization: "Bearer wrong" } }))
          .status,
      ).toBe(401);
      const allowed = await fetch(`${guarded.url}/metrics`, {
        headers: { Authorization: "Bearer scrape-me" },
      });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain("relay_execute_wasm_success_total");
    } finally {
      await guarded.close();
    }
  });
});
