import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventBus } from "@wasm-relay/core";
import { createMemoryEventBus } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { rawExchange } from "./raw-http.js";

const logged: string[] = [];
const logLines: string[] = [];
let subscriptions = 0;
let relay: Awaited<ReturnType<typeof startRelayServer>>;

/** The memory bus, counting its live subscriptions. */
function countingBus(): EventBus {
  const bus = createMemoryEventBus();
  return {
    publish: (topic, payload) => bus.publish(topic, payload),
    async subscribe(topic, listener, options) {
      const subscription = await bus.subscribe(topic, listener, options);
      subscriptions++;
      let open = true;
      return {
        ...subscription,
        unsubscribe() {
          if (open) subscriptions--;
          open = false;
          subscription.unsubscribe();
        },
      };
    },
  } as EventBus;
}

beforeAll(async () => {
  const staticDir = await mkdtemp(join(tmpdir(), "relay-static-"));
  await writeFile(join(staticDir, "index.html"), "<!doctype html><p>hello</p>");
  const { createRelayLogger } = await import("../../src/observability/logger.js");
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "1000" },
    staticDir,
    bus: countingBus(),
    log: (message) => logged.push(message),
    logger: createRelayLogger({
      level: "debug",
      destination: { write: (line: string) => logLines.push(line) },
    }),
  });
});
afterAll(async () => {
  await relay?.close();
});

async function problemOf(path: string, init: RequestInit = {}) {
  const response = await fetch(`${relay.url}${path}`, {
    ...init,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe("paths the router cannot decode (issue 12, item 9)", () => {
  for (const path of [
    "/modules/%zz",
    "/modules/%",
    "/modules/%E0%A4%A",
    "/modules/%C0%80",
    "/glyphs/%zz",
    "/glyphs/scope/%ff",
    "/%zz",
  ]) {
    it(`answers GET ${path} with a 400 problem`, async () => {
      const answer = await problemOf(path);
      expect(answer.status).toBe(400);
      expect(answer.type).toBe("application/problem+json");
      expect(String(answer.body?.detail)).toContain("percent-encoded");
    });
  }

  it("answers PUT /glyphs/%zz/tag with a 400 problem", async () => {
    const answer = await problemOf("/glyphs/%zz/tag", {
      method: "PUT",
      headers: { "Content-Type": "application/json", user_id: "paths" },
      body: "{}",
    });
    expect(answer.status).toBe(400);
  });

  it("answers request targets that are not paths with a 400 problem, never a 500", async () => {
    for (const target of ["//[", "*", "http://[::1", "//%zz"]) {
      const exchange = await rawExchange(
        relay.url,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        3000,
      );
      expect(exchange.status, target).toBeDefined();
      expect(exchange.status! < 500, `${target}: ${exchange.text}`).toBe(true);
    }
  });
});

describe("HEAD (issue 12, items 9 and 17)", () => {
  for (const path of ["/intent/execute-wasm/health", "/openapi.json", "/metrics", "/"]) {
    it(`answers HEAD ${path} with the GET's headers and no body`, async () => {
      const response = await fetch(`${relay.url}${path}`, {
        method: "HEAD",
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
    });
  }

  it("answers HEAD on the event stream at once and leaves no subscription registered", async () => {
    const before = subscriptions;
    const exchange = await rawExchange(
      relay.url,
      "HEAD /intent/execute-wasm/events HTTP/1.1\r\nHost: x\r\nuser_id: head-user\r\n\r\n",
      2000,
    );
    expect(exchange.status).toBe(200);
    expect(exchange.text).toMatch(/content-type: text\/event-stream/i);
    expect(exchange.text.split("\r\n\r\n")[1]).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscriptions).toBe(before);
  });

  it("answers HEAD on the event stream of an unauthenticated caller with 401", async () => {
    const response = await fetch(`${relay.url}/intent/execute-wasm/events`, {
      method: "HEAD",
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(401);
  });
});

describe("client aborts (issue 12, items 9 and 17)", () => {
  it("logs a client that goes away mid-body at debug level, not as an error, and leaks nothing", async () => {
    const errorsBefore = logged.filter((line) => line.startsWith("error")).length;
    const body = JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 2] });
    for (let attempt = 0; attempt < 5; attempt++) {
      await rawExchange(
        relay.url,
        `POST /intent/execute-wasm HTTP/1.1\r\nHost: x\r\nuser_id: abort-user\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
        2000,
        { destroyAfterMs: 50 },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logged.filter((line) => line.startsWith("error")).length).toBe(errorsBefore);
    const debug = logLines.filter((line) => line.includes("closed the connection"));
    expect(debug.length).toBeGreaterThanOrEqual(5);
    expect(debug.every((line) => JSON.parse(line).level === 20)).toBe(true);
    expect(relay.server.server.listenerCount("request")).toBe(1);
    const connections = await new Promise<number>((resolve, reject) =>
      relay.server.server.getConnections((error, count) =>
        error ? reject(error) : resolve(count),
      ),
    );
    expect(connections).toBe(0);
  });
});

describe("client aborts during an execution (issue 12, item 9)", () => {
  it("finishes the execution quietly when its client left: no error line, nothing left open", async () => {
    const errorsBefore = logged.filter((line) => line.startsWith("error")).length;
    const body = JSON.stringify({ cid: "glyph://spin@quantum", policy: { max_time: 300 } });
    await rawExchange(
      relay.url,
      `POST /intent/execute-wasm HTTP/1.1\r\nHost: x\r\nuser_id: abort-run\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      2000,
      { destroyAfterMs: 100 },
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(logged.filter((line) => line.startsWith("error")).length).toBe(errorsBefore);
    const after = await problemOf("/intent/execute-wasm/health");
    expect(after.status).toBe(200);
  });
});

describe("the Idempotency-Key header", () => {
  it("is refused (400) past 255 characters, as the body's idempotency_key is", async () => {
    const send = (key: string) =>
      problemOf("/intent/execute-wasm", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          user_id: "key-length",
          "Idempotency-Key": key,
        },
        body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 1] }),
      });
    expect((await send("k".repeat(255))).status).toBe(200);
    const long = await send("k".repeat(10_000));
    expect(long.status).toBe(400);
    expect(String(long.body?.detail)).toContain("255");
  });
});

describe("identity header spellings in dev-headers mode (issue 12, item 17)", () => {
  const execute = (headers: Record<string, string>) =>
    problemOf("/intent/execute-wasm", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [2, 2] }),
    });

  it("refuses user_id and user-id with different values (400 problem)", async () => {
    const answer = await execute({ user_id: "alice", "user-id": "mallory" });
    expect(answer.status).toBe(400);
    expect(String(answer.body?.detail)).toContain("user-id");
  });

  it("accepts either spelling alone, or both when they agree", async () => {
    expect((await execute({ user_id: "spelling-1" })).status).toBe(200);
    expect((await execute({ "user-id": "spelling-2" })).status).toBe(200);
    expect((await execute({ user_id: "spelling-3", "user-id": "spelling-3" })).status).toBe(200);
  });

  it("refuses session_id and session-id with different values", async () => {
    const answer = await execute({ user_id: "s", session_id: "one", "session-id": "two" });
    expect(answer.status).toBe(400);
  });
});
