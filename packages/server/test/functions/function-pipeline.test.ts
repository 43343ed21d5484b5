import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BUS_TOPICS,
  type BusMessage,
  createInMemoryMetrics,
  createMemoryEventBus,
  METRIC_NAMES,
} from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

// A relay with a policy file: invoke_function on calculator for everyone, on greeter for
// alice only; execute_wasm on nothing. Bus and metrics are watched.
let directory: string;
let relay: Awaited<ReturnType<typeof startRelayServer>>;
const metrics = createInMemoryMetrics();
const bus = createMemoryEventBus();
const messages: BusMessage[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-fn-policy-"));
  const file = join(directory, "policy.yaml");
  await writeFile(
    file,
    [
      "rules:",
      "  - id: calculator-functions",
      "    effect: allow",
      '    principals: ["*"]',
      "    actions: [invoke_function]",
      '    resources: ["glyph://calculator@*", "glyph://spin@*"]',
      "    caps: { max_gas: 200000 }",
      "  - id: greeter-for-alice",
      "    effect: allow",
      '    principals: ["user:alice"]',
      "    actions: [invoke_function]",
      '    resources: ["glyph://greeter@*"]',
      "  - id: own-events",
      "    effect: allow",
      '    principals: ["*"]',
      "    actions: [read_events, publish_glyph, upload_module]",
      '    resources: ["*"]',
      "",
    ].join("\n"),
  );
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_AUTHORIZER: "policy-file", RELAY_POLICY_FILE: file },
    metrics,
    bus,
  });
  for (const topic of [BUS_TOPICS.requested, BUS_TOPICS.completed]) {
    await bus.subscribe(topic, (message) => messages.push(message));
  }
});
afterAll(async () => {
  await relay?.close();
  await rm(directory, { recursive: true, force: true });
});

const post = (path: string, user: string, body = "[1, 2]") =>
  fetch(`${relay.url}${path}`, { method: "POST", headers: { user_id: user }, body });

describe("/fn/… goes through the execute route's pipeline", () => {
  it("asks the authorizer about invoke_function on glyph://name@tag: 403 when refused, execute_wasm stays refused", async () => {
    const refused = await fetch(`${relay.url}/fn/greeter@quantum/`, {
      headers: { user_id: "bob" },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      status: 403,
      reason: expect.stringContaining("invoke_function on glyph://greeter@quantum"),
    });
    const allowed = await fetch(`${relay.url}/fn/greeter@quantum/`, {
      headers: { user_id: "alice" },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("Hello, world!");
    // The same module through the execute route is another action, which no rule allows.
    const execute = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { user_id: "alice", "Content-Type": "application/json" },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 2] }),
    });
    expect(execute.status).toBe(403);
  });

  it("a refused caller makes the relay resolve nothing: the same 403 for a glyph that does not exist", async () => {
    const missing = await fetch(`${relay.url}/fn/no-such-glyph@1/`, {
      headers: { user_id: "bob" },
    });
    expect(missing.status).toBe(403);
  });

  it("applies the rule's caps: a query over max_gas is clamped to the cap", async () => {
    const answer = await post("/fn/spin@quantum/main?max_gas=900000", "capped", "[]");
    expect(answer.status).toBe(422);
    expect(await answer.json()).toMatchObject({ code: "gas_exhausted", gas_used: 200000 });
  });

  it("rate-limits per user: the 11th call in the window is 429 with Retry-After", async () => {
    for (let index = 0; index < 10; index += 1) {
      expect(
        (await post("/fn/calculator@quantum/main", "busy-caller", `[${index}, 1]`)).status,
      ).toBe(200);
    }
    const limited = await post("/fn/calculator@quantum/main", "busy-caller", "[100, 1]");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ status: 429, retry_after: expect.any(Number) });
  });

  it("publishes wasm_exec_requested and wasm_exec_completed, and counts the metrics", async () => {
    const successes = metrics.count(METRIC_NAMES.success);
    const denied = metrics.count(METRIC_NAMES.permissionDenied);
    const answer = await post("/fn/calculator@quantum/main", "watched", "[20, 22]");
    expect(await answer.json()).toBe(42);
    const requestId = answer.headers.get("relay-request-id");
    const mine = messages.filter(
      (message) => (message.payload as { request_id?: string }).request_id === requestId,
    );
    expect(mine.map((message) => message.topic)).toEqual([
      BUS_TOPICS.requested,
      BUS_TOPICS.completed,
    ]);
    expect(mine[0]!.payload).toMatchObject({
      cid: "glyph://calculator@quantum",
      inputs: [20, 22],
      user_id: "watched",
    });
    expect(metrics.count(METRIC_NAMES.success)).toBe(successes + 1);
    await fetch(`${relay.url}/fn/greeter@quantum/`, { headers: { user_id: "mallory" } });
    expect(metrics.count(METRIC_NAMES.permissionDenied)).toBe(denied + 1);
  });

  it("replays with Idempotency-Key and refuses its reuse for other arguments (422)", async () => {
    const headers = { user_id: "keyed", "Idempotency-Key": "fn-key-1" };
    const first = await fetch(`${relay.url}/fn/calculator@quantum/main`, {
      method: "POST",
      headers,
      body: "[3, 4]",
    });
    const again = await fetch(`${relay.url}/fn/calculator@quantum/main`, {
      method: "POST",
      headers,
      body: "[3, 4]",
    });
    expect(await first.json()).toBe(7);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toBe(7);
    const other = await fetch(`${relay.url}/fn/calculator@quantum/main`, {
      method: "POST",
      headers,
      body: "[3, 5]",
    });
    expect(other.status).toBe(422);
  });

  it("the event stream shows a function call's events to its caller", async () => {
    const answer = await post("/fn/calculator@quantum/main", "follower", "[1, 1]");
    const requestId = answer.headers.get("relay-request-id")!;
    const controller = new AbortController();
    const stream = await fetch(`${relay.url}/intent/execute-wasm/events?request_id=${requestId}`, {
      headers: { user_id: "follower", Accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = "";
    while (!text.includes("execution_complete")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain("execution_complete");
    expect(text).toContain(requestId);
  });
});
