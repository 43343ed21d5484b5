import { BUS_TOPICS, createMemoryEventBus } from "@wasm-relay/core";
import { waitUntil } from "@wasm-relay/core/testing";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, execute, newUserId } from "./relay-requests.js";

const until = (condition: () => boolean, timeoutMs = 10_000) => waitUntil(condition, timeoutMs);

const bus = createMemoryEventBus();
let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "1000" }, bus });
});
afterAll(async () => {
  await relay?.close();
});

describe("an independent EventSource client (the eventsource package)", () => {
  it("consumes the stream, reconnects with Last-Event-ID after the server drops it, misses nothing", async () => {
    const user = newUserId("eventsource");
    const received: { id: string; type: string; request_id: string }[] = [];
    const reconnectIds: (string | null)[] = [];
    let opened = 0;
    const source = new EventSource(`${relay.url}/intent/execute-wasm/events`, {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        if (opened > 0) reconnectIds.push(headers.get("last-event-id"));
        headers.set("user_id", user);
        return fetch(input, { ...init, headers });
      },
    });
    source.addEventListener("open", () => {
      opened += 1;
    });
    source.addEventListener("message", (message) => {
      const event = JSON.parse(message.data) as { type: string; request_id: string };
      received.push({ id: message.lastEventId, ...event });
    });
    try {
      await until(() => opened === 1);
      const first = await execute(relay.url, user, calculator(1, 1));
      await until(() => received.some((event) => event.type === "execution_complete"));

      // The server drops every connection; while the client waits to reconnect, more happens.
      relay.server.server.closeAllConnections();
      // Let the test's own HTTP client notice that its pooled connection is gone too.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = await execute(relay.url, user, calculator(2, 2));
      const third = await execute(relay.url, user, calculator(3, 3));
      await until(
        () => received.filter((event) => event.type === "execution_complete").length === 3,
      );
      expect(opened).toBe(2);
      expect(reconnectIds).toHaveLength(1);
      expect(reconnectIds[0]).toBe(
        received.filter((event) => event.request_id === first.body.request_id).at(-1)?.id,
      );

      // Exactly what the bus holds for this user, once each and in order.
      const expected: string[] = [];
      const replay = await bus.subscribe(
        BUS_TOPICS.executionEvents,
        (message) => {
          if ((message.payload as { user_id: string }).user_id === user) expected.push(message.id);
        },
        { fromStart: true },
      );
      replay.unsubscribe();
      expect(received.map((event) => event.id)).toEqual(expected);
      expect(new Set(received.map((event) => event.request_id))).toEqual(
        new Set([first.body.request_id, second.body.request_id, third.body.request_id]),
      );
    } finally {
      source.close();
    }
  });
});
