import { clientEnvelopeSchema } from "@wasm-relay/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { RawSocket } from "./raw-socket.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "100000" } });
});
afterAll(async () => {
  await relay?.close();
});

const TYPES = [
  "connection_init",
  "execute",
  "cancel",
  "subscribe",
  "unsubscribe",
  "ping",
  "pong",
  "result",
  "",
];

/** Messages near the protocol: right types with wrong members, wrong types, non-JSON text. */
const message = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .record(
      {
        type: fc.constantFrom(...TYPES),
        id: fc.oneof(fc.string({ maxLength: 140 }), fc.integer(), fc.constant(null)),
        request: fc.jsonValue({ maxDepth: 3 }),
        request_id: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
        last_event_id: fc.string({ maxLength: 40 }),
        payload: fc.jsonValue({ maxDepth: 2 }),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ["type"] },
    )
    .map((value) => JSON.stringify(value)),
);

/** What the protocol says must happen to a message sent right after the handshake. */
function expected(text: string): "4400" | "pong" | "served" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "4400";
  }
  const parsed = clientEnvelopeSchema.safeParse(value);
  if (!parsed.success || parsed.data.type === "connection_init") return "4400";
  return parsed.data.type === "ping" ? "pong" : "served";
}

async function sendOne(text: string): Promise<void> {
  const socket = await RawSocket.connect(relay.url, "fuzz");
  socket.send(text);
  const outcome = expected(text);
  if (outcome === "4400") {
    const closed = await socket.closed;
    expect(closed.code, text).toBe(4400);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    return;
  }
  if (outcome === "pong") await socket.next((received) => received.type === "pong");
  // A served message leaves the connection open: a ping still gets its pong.
  socket.send({ type: "ping" });
  await socket.next((received) => received.type === "pong", 10_000);
  socket.socket.terminate();
}

describe("malformed-message fuzz (fast-check)", () => {
  it("closes with 4400 for every invalid message, serves the valid ones, never crashes, keeps RSS flat", async () => {
    await fc.assert(fc.asyncProperty(message, sendOne), { numRuns: 150 });
    const before = process.memoryUsage().rss;
    await fc.assert(fc.asyncProperty(message, sendOne), { numRuns: 600 });
    const grown = process.memoryUsage().rss - before;
    console.info(`fuzz: RSS grew ${(grown / 1024 / 1024).toFixed(1)} MiB over 600 connections`);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    const health = await fetch(`${relay.url}/intent/execute-wasm/health`);
    expect(health.status).toBe(200);
  }, 180_000);
});
