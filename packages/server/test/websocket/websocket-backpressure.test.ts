import { BUS_TOPICS, createMemoryEventBus, type MemoryEventBus } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, newUserId } from "../events/relay-requests.js";
import { RawSocket } from "./raw-socket.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let bus: MemoryEventBus;

beforeAll(async () => {
  bus = createMemoryEventBus({ retention: 2_000, retentionBytes: 512 * 2 ** 20 });
  relay = await startRelayServer({
    env: {
      RELAY_WORKERS: "2",
      RELAY_RATE_LIMIT: "100000",
      RELAY_WS_BUFFER: "65536",
      RELAY_WS_SLOW_GRACE: "4000",
      // A reader that stops reading also stops answering pings: not within these tests.
      RELAY_WS_HEARTBEAT: "600000",
    },
    bus,
  });
});
afterAll(async () => {
  await relay?.close();
});

/** Stops reading the socket: the server's unsent bytes for it pile up. */
function stopReading(socket: WebSocket): void {
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
}
function resumeReading(socket: WebSocket): void {
  (socket as unknown as { _socket: { resume(): void } })._socket.resume();
}

/** Polls an async condition every 20 ms. */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

/**
 * Publishes `count` events of about 100 KB each for `user` on the bus, as the pipeline would: the
 * flood is pure event traffic, so the executor stays free for the other connections.
 */
async function flood(user: string, count: number): Promise<void> {
  const padding = "x".repeat(100_000);
  for (let index = 0; index < count; index += 1) {
    await bus.publish(BUS_TOPICS.executionEvents, {
      user_id: user,
      event: {
        type: "execution_progress",
        request_id: `flood-${index}`,
        timestamp: new Date().toISOString(),
        progress: 50,
        padding,
      },
    });
    if (index % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A subscription to every event of the user.
 */
function subscribeMany(reader: RawSocket): void {
  reader.send({ type: "subscribe", id: "all" });
  for (let index = 1; index < 10; index += 1)
    reader.send({ type: "subscribe", id: `all-${index}` });
}

/** Latencies of `count` sequential quick executions over one connection. @unit milliseconds */
async function latencies(count: number): Promise<number[]> {
  const socket = await RawSocket.connect(relay.url, newUserId("fast"));
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const startedAt = performance.now();
    socket.send({ type: "execute", id: `q${index}`, request: calculator(index, 7) });
    await socket.terminal(`q${index}`);
    times.push(performance.now() - startedAt);
  }
  await socket.close();
  return times;
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe("WebSocket backpressure", () => {
  it("drops events past RELAY_WS_BUFFER with an events_lost notice, and never the results", async () => {
    const user = newUserId("lossy");
    const reader = await RawSocket.connect(relay.url, user);
    subscribeMany(reader);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const droppedBefore = await metric("relay_ws_events_dropped_total");
    stopReading(reader.socket);
    const flooding = flood(user, 400);
    await waitUntil(
      async () => (await metric("relay_ws_events_dropped_total")) > droppedBefore,
      30_000,
    );
    // A result while the connection is over the bound: queued, never dropped.
    reader.send({ type: "execute", id: "kept", request: calculator(40, 2) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    resumeReading(reader.socket);
    expect(await reader.terminal("kept")).toMatchObject({
      type: "result",
      response: { output: 42 },
    });
    await flooding;
    const notice = await reader.next(
      (message) =>
        message.id === "all" && (message.event as { type?: string }).type === "events_lost",
    );
    expect(notice.event).toMatchObject({ type: "events_lost", last_event_id: expect.any(String) });
    await reader.close();
  }, 90_000);

  it("closes a connection that stays over the bound (1008, counted), and a slow reader does not slow the others", async () => {
    const baseline = median(await latencies(30));
    const user = newUserId("slow");
    const reader = await RawSocket.connect(relay.url, user);
    subscribeMany(reader);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closedBefore = await metric("relay_ws_slow_consumers_closed_total");
    stopReading(reader.socket);
    const flooding = flood(user, 400);
    const during = median(await latencies(30));
    await flooding;
    await waitUntil(
      async () => (await metric("relay_ws_slow_consumers_closed_total")) > closedBefore,
      30_000,
    );
    resumeReading(reader.socket);
    const closed = await reader.closed;
    console.info(
      `slow reader: median latency of another connection ${baseline.toFixed(1)} ms alone, ${during.toFixed(1)} ms beside it; closed ${closed.code}`,
    );
    expect([1008, 1006]).toContain(closed.code);
    // Generous: the machine is shared. What matters is that nobody waits for the slow reader.
    expect(during).toBeLessThan(Math.max(baseline * 4, baseline + 50));
  }, 120_000);

  it("terminates a peer that stops answering pings", async () => {
    const quick = await startRelayServer({
      env: { RELAY_WORKERS: "1", RELAY_WS_HEARTBEAT: "300" },
    });
    const metricOf = async (name: string) => {
      const text = await (await fetch(`${quick.url}/metrics`)).text();
      const line = text.split("\n").find((row) => row.startsWith(`${name} `));
      return line ? Number(line.split(" ")[1]) : 0;
    };
    const before = await metricOf("relay_ws_dead_peers_terminated_total");
    const socket = await RawSocket.connect(quick.url, newUserId("dead"));
    // A peer that never answers pings: ws answers them automatically unless told not to.
    (
      socket.socket as unknown as { _receiver: { removeAllListeners(event: string): void } }
    )._receiver.removeAllListeners("ping");
    socket.socket.pong = () => {};
    stopReading(socket.socket);
    await waitUntil(
      async () => (await metricOf("relay_ws_dead_peers_terminated_total")) > before,
      10_000,
    );
    resumeReading(socket.socket);
    expect((await socket.closed).code).toBe(1006);
    await quick.close();
  }, 30_000);
});
