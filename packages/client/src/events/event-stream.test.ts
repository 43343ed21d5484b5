import type { ExecutionEvent } from "@wasm-relay/core";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BASE_URL, problem, useMockServer } from "../../test/support/msw.js";
import { executionEvent, SseChannel } from "../../test/support/sse-channel.js";
import { createClient } from "../create-client.js";
import { AuthenticationError, ServerError } from "../errors/http-errors.js";
import { ConnectionError, ResponseValidationError } from "../errors/transport-errors.js";
import { schemaValidator } from "../validation/schema-validator.js";

const server = useMockServer();
const EVENTS = `${BASE_URL}/intent/execute-wasm/events`;
const ID = "c".repeat(64);

interface Connection {
  url: URL;
  headers: Headers;
  channel: SseChannel;
}

/**
 * Serves the event stream: each connection gets a fresh channel, handed to `script` with the
 * connection's number (0 for the first).
 */
function serveEvents(script: (channel: SseChannel, index: number) => void) {
  const connections: Connection[] = [];
  server.use(
    http.get(EVENTS, ({ request }) => {
      const channel = new SseChannel(request.signal);
      const index = connections.length;
      connections.push({ url: new URL(request.url), headers: request.headers, channel });
      channel.write("retry: 10\n\n");
      queueMicrotask(() => script(channel, index));
      return new HttpResponse(channel.stream, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }),
  );
  return connections;
}

const client = (extra: Record<string, unknown> = {}) =>
  createClient({ baseUrl: BASE_URL, headers: { user_id: "ada" }, ...extra });

async function collect(stream: AsyncIterable<ExecutionEvent>, limit = 100) {
  const events: ExecutionEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length >= limit) break;
  }
  return events;
}

describe("events", () => {
  it("yields typed events of one execution and ends after its terminal event", async () => {
    const connections = serveEvents((channel) => {
      channel.comment("heartbeat");
      channel.event("1", executionEvent("execution_queued", ID, { cid: "bafk", position: 0 }));
      channel.event("2", executionEvent("execution_started", ID, { executor_node: "n/1" }));
      channel.event("3", executionEvent("execution_progress", ID, { progress: 50 }));
      channel.event(
        "4",
        executionEvent("execution_complete", ID, { success: true, duration: 2, gas_used: 9 }),
      );
      // Never ended by the server: the client stops by itself after the terminal event.
    });
    const stream = client().events({ requestId: ID });
    const events = await collect(stream);
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
    ]);
    const complete = events[3]!;
    if (complete.type === "execution_complete") expect(complete.gas_used).toBe(9);
    expect(stream.lastEventId).toBe("4");
    expect(connections).toHaveLength(1);
    expect(connections[0]!.url.searchParams.get("request_id")).toBe(ID);
    expect(connections[0]!.headers.get("accept")).toBe("text/event-stream");
    expect(connections[0]!.headers.get("user_id")).toBe("ada");
    await connections[0]!.channel.closed;
  });

  it("reconnects after a dropped connection with Last-Event-ID and misses nothing", async () => {
    const connections = serveEvents((channel, index) => {
      if (index === 0) {
        channel.event("1", executionEvent("execution_queued", ID, { cid: "bafk", position: 0 }));
        channel.event("2", executionEvent("execution_started", ID, { executor_node: "n/1" }));
        channel.fail();
      } else if (index === 1) {
        channel.event("3", executionEvent("execution_progress", ID, { progress: 40 }));
        channel.end();
      } else {
        channel.event(
          "4",
          executionEvent("execution_complete", ID, { success: true, duration: 2, gas_used: 9 }),
        );
      }
    });
    const opens: number[] = [];
    const events = await collect(
      client().events({ requestId: ID, onOpen: () => opens.push(Date.now()) }),
    );
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
    ]);
    expect(connections.map((connection) => connection.headers.get("last-event-id"))).toEqual([
      null,
      "2",
      "3",
    ]);
    expect(opens).toHaveLength(3);
  });

  it("starts from the given lastEventId", async () => {
    const connections = serveEvents((channel) => {
      channel.event(
        "8",
        executionEvent("execution_error", ID, { error: { code: "x", message: "y" } }),
      );
    });
    await collect(client().events({ requestId: ID, lastEventId: "7" }));
    expect(connections[0]!.headers.get("last-event-id")).toBe("7");
  });

  it("closes the connection when the loop breaks", async () => {
    const connections = serveEvents((channel) => {
      channel.event("1", executionEvent("execution_queued", ID, { cid: "bafk", position: 0 }));
    });
    for await (const event of client().events()) {
      expect(event.type).toBe("execution_queued");
      break;
    }
    await connections[0]!.channel.closed;
    expect(connections).toHaveLength(1);
  });

  it("ends quietly when the signal aborts, and does not reconnect", async () => {
    const controller = new AbortController();
    const connections = serveEvents((channel) => {
      channel.event("1", executionEvent("execution_queued", ID, { cid: "bafk", position: 0 }));
      setTimeout(() => controller.abort(), 50);
    });
    const events = await collect(client().events({ signal: controller.signal }));
    expect(events).toHaveLength(1);
    await connections[0]!.channel.closed;
    expect(connections).toHaveLength(1);
  });

  it("throws a refusal such as 401 without reconnecting", async () => {
    let calls = 0;
    server.use(
      http.get(EVENTS, () => {
        calls += 1;
        return HttpResponse.json(problem(401, "unauthenticated", "Unauthenticated"), {
          status: 401,
        });
      }),
    );
    const error = await collect(client().events()).catch((caught) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(calls).toBe(1);
  });

  it("reconnects after 503 (honouring Retry-After) and gives up after maxAttempts", async () => {
    let calls = 0;
    server.use(
      http.get(EVENTS, () => {
        calls += 1;
        return HttpResponse.json(problem(503, "unavailable", "Unavailable"), {
          status: 503,
          headers: { "Retry-After": "0" },
        });
      }),
    );
    const error = await collect(client().events({ reconnect: { maxAttempts: 2 } })).catch(
      (caught) => caught,
    );
    expect(ServerError.isInstance(error)).toBe(true);
    expect(calls).toBe(3);
  });

  it("reconnects with growing delays while connections fail", async () => {
    let calls = 0;
    const times: number[] = [];
    server.use(
      http.get(EVENTS, () => {
        calls += 1;
        times.push(Date.now());
        return HttpResponse.error();
      }),
    );
    const error = await collect(
      client().events({ reconnect: { maxAttempts: 3, initialDelay: 40 } }),
    ).catch((caught) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(calls).toBe(4);
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    // 40, 80, 160 ms minus at most 25 % jitter.
    expect(gaps[0]).toBeGreaterThanOrEqual(28);
    expect(gaps[2]).toBeGreaterThanOrEqual(118);
  });

  it("wraps a stream that breaks into ConnectionError once reconnecting gives up", async () => {
    serveEvents((channel) => {
      channel.comment("heartbeat");
      channel.fail();
    });
    const error = await collect(
      client().events({ reconnect: { maxAttempts: 1, initialDelay: 1 } }),
    ).catch((caught) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
  });

  it("skips named events, rejects data that is not an execution event", async () => {
    serveEvents((channel) => {
      channel.send({ event: "ping", data: "{}" });
      channel.send({ id: "1", data: "not json" });
    });
    const error = await collect(client().events()).catch((caught) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
  });

  it("reports lost events and goes on", async () => {
    const notice = { type: "events_lost", last_event_id: "3", message: "too old" };
    serveEvents((channel) => {
      channel.send({ event: "events_lost", data: JSON.stringify(notice) });
      channel.event(
        "9",
        executionEvent("execution_error", ID, { error: { code: "x", message: "y" } }),
      );
    });
    const notices: unknown[] = [];
    const events = await collect(
      client().events({
        requestId: ID,
        lastEventId: "3",
        onEventsLost: (lost) => notices.push(lost),
      }),
    );
    expect(notices).toEqual([notice]);
    expect(events.map((event) => event.type)).toEqual(["execution_error"]);
  });

  it("validates events fully with schemaValidator", async () => {
    serveEvents((channel) => {
      channel.event("1", executionEvent("execution_progress", ID, { progress: 250 }));
    });
    const lenient = await collect(client().events(), 1);
    expect(lenient).toHaveLength(1);
    const error = await collect(client({ validate: schemaValidator }).events()).catch(
      (caught) => caught,
    );
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/progress/);
  });

  it("refuses an answer that is not an event stream", async () => {
    server.use(http.get(EVENTS, () => HttpResponse.json({ hello: "world" })));
    const error = await collect(client().events()).catch((caught) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
  });
});
