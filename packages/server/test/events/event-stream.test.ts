import { connect } from "node:net";
import { BUS_TOPICS, createMemoryEventBus, type MemoryEventBus } from "@wasm-relay/core";
import { waitUntil } from "@wasm-relay/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Authenticator } from "../../src/identity/authenticator.js";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, execute, isWellOrdered, newUserId, spin } from "./relay-requests.js";
import { collectSse, executionEvents } from "./sse-collector.js";

const until = (condition: () => boolean, timeoutMs = 5_000) => waitUntil(condition, timeoutMs);

/** Dev identity plus a `role` header, so that tests can be admins. */
const authenticator: Authenticator = {
  name: "test-headers",
  async authenticate(headers) {
    const role = headers.role;
    return {
      userId: String(headers.user_id ?? "anonymous"),
      roles: typeof role === "string" ? [role] : [],
    };
  },
};

let bus: MemoryEventBus;
let relay: Awaited<ReturnType<typeof startRelayServer>>;
let eventsUrl: string;

beforeAll(async () => {
  bus = createMemoryEventBus({ retention: 5_000 });
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "2", RELAY_RATE_LIMIT: "1000", RELAY_EVENT_HEARTBEAT: "100" },
    bus,
    authenticator,
  });
  eventsUrl = `${relay.url}/intent/execute-wasm/events`;
});
afterAll(async () => {
  await relay?.close();
});

const listeners = () => bus.listenerCount(BUS_TOPICS.executionEvents);

describe("GET /intent/execute-wasm/events", () => {
  it("streams one execution in order with an id on every event, and the headers proxies need", async () => {
    const user = newUserId("order");
    const stream = await collectSse(eventsUrl, { user_id: user });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get("cache-control")).toBe("no-cache");
    expect(stream.response.headers.get("x-accel-buffering")).toBe("no");
    const answer = await execute(relay.url, user, spin(400));
    expect(answer.status).toBe(200);
    await stream.until((messages) =>
      executionEvents(messages).some((event) => event.type === "execution_complete"),
    );
    const events = executionEvents(stream.messages) as unknown as {
      type: string;
      request_id: string;
      progress?: number;
    }[];
    expect(events.every((event) => event.request_id === answer.body.request_id)).toBe(true);
    const types = events.map((event) => event.type);
    expect(types).toContain("execution_started");
    expect(types).toContain("execution_progress");
    const progress = events.flatMap((event) =>
      event.progress === undefined ? [] : [event.progress],
    );
    expect(isWellOrdered(types, progress)).toBe(true);
    expect(stream.messages.every((message) => /^\d+$/.test(message.id ?? ""))).toBe(true);
    expect(stream.retries).toEqual([2000]);
    // The heartbeat (every 100 ms here) is a comment.
    await until(() => stream.text.includes(": heartbeat\n\n"));
    stream.abort();
  });

  it("never shows one user's events to another; an admin sees both", async () => {
    const alice = newUserId("alice");
    const bob = newUserId("bob");
    const aliceStream = await collectSse(eventsUrl, { user_id: alice });
    const bobStream = await collectSse(eventsUrl, { user_id: bob });
    const adminStream = await collectSse(eventsUrl, { user_id: "root", role: "admin" });
    const fromAlice = await execute(relay.url, alice, calculator(1, 2));
    const fromBob = await execute(relay.url, bob, calculator(3, 4));
    const finished = (id: string) => (messages: Parameters<typeof executionEvents>[0]) =>
      executionEvents(messages).some(
        (event) => event.request_id === id && event.type === "execution_complete",
      );
    await aliceStream.until(finished(fromAlice.body.request_id));
    await bobStream.until(finished(fromBob.body.request_id));
    await adminStream.until(finished(fromAlice.body.request_id));
    await adminStream.until(finished(fromBob.body.request_id));
    const ids = (stream: typeof aliceStream) =>
      new Set(executionEvents(stream.messages).map((event) => event.request_id));
    expect(ids(aliceStream)).toEqual(new Set([fromAlice.body.request_id]));
    expect(ids(bobStream)).toEqual(new Set([fromBob.body.request_id]));
    expect(ids(adminStream)).toEqual(new Set([fromAlice.body.request_id, fromBob.body.request_id]));
    for (const stream of [aliceStream, bobStream, adminStream]) stream.abort();
  });

  it("with ?request_id= ends after the terminal event, even when the run finished before", async () => {
    const user = newUserId("filter");
    const done = await execute(relay.url, user, calculator(20, 22));
    const other = await execute(relay.url, user, calculator(1, 1));
    const late = await collectSse(`${eventsUrl}?request_id=${done.body.request_id}`, {
      user_id: user,
    });
    await late.ended;
    const types = executionEvents(late.messages).map((event) => event.type);
    expect(types[0]).toBe("execution_queued");
    expect(types.at(-1)).toBe("execution_complete");
    expect(
      executionEvents(late.messages).every((event) => event.request_id === done.body.request_id),
    ).toBe(true);
    expect(other.body.request_id).not.toBe(done.body.request_id);

    // Subscribed before the run: live events, then the end.
    const body = spin(300, 7);
    const running = execute(relay.url, user, body);
    const early = await collectSse(eventsUrl, { user_id: user });
    await early.until((messages) =>
      executionEvents(messages).some((event) => event.type === "execution_started"),
    );
    const requestId = executionEvents(early.messages).find(
      (event) => event.type === "execution_started",
    )?.request_id as string;
    early.abort();
    const filtered = await collectSse(`${eventsUrl}?request_id=${requestId}`, { user_id: user });
    await filtered.ended;
    expect((await running).body.request_id).toBe(requestId);
    const filteredTypes = executionEvents(filtered.messages).map((event) => event.type);
    expect(filteredTypes.filter((type) => type === "execution_complete")).toHaveLength(1);
    expect(filteredTypes[0]).toBe("execution_queued");

    // Reconnecting inside the run gives the rest of it; after its end, 204 (EventSource stops).
    const filteredIds = filtered.messages.map((message) => message.id as string);
    const resumed = await collectSse(`${eventsUrl}?request_id=${requestId}`, {
      user_id: user,
      "last-event-id": filteredIds[1] as string,
    });
    await resumed.ended;
    expect(resumed.messages.map((message) => message.id)).toEqual(filteredIds.slice(2));
    const over = await fetch(`${eventsUrl}?request_id=${requestId}`, {
      headers: { user_id: user, "last-event-id": filteredIds.at(-1) as string },
    });
    expect(over.status).toBe(204);

    // Someone else's request id shows nothing.
    const stranger = await collectSse(`${eventsUrl}?request_id=${requestId}`, {
      user_id: newUserId("stranger"),
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(executionEvents(stranger.messages)).toEqual([]);
    stranger.abort();
  });

  it("resumes after a dropped connection mid-execution: the rest once each (header or query)", async () => {
    for (const via of ["header", "query"] as const) {
      const user = newUserId(`resume-${via}`);
      const first = await collectSse(eventsUrl, { user_id: user });
      const running = execute(relay.url, user, spin(700, via === "header" ? 1 : 2));
      await first.until((messages) =>
        executionEvents(messages).some((event) => event.type === "execution_progress"),
      );
      first.abort();
      const lastId = first.messages.at(-1)?.id as string;
      const seenBefore = [...first.messages];
      await running;
      const second = await collectSse(
        via === "header" ? eventsUrl : `${eventsUrl}?last_event_id=${lastId}`,
        via === "header" ? { user_id: user, "last-event-id": lastId } : { user_id: user },
      );
      await second.until((messages) =>
        executionEvents(messages).some((event) => event.type === "execution_complete"),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      second.abort();
      const all = [...seenBefore, ...second.messages];
      const ids = all.map((message) => message.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(second.messages.every((message) => Number(message.id) > Number(lastId))).toBe(true);
      // Everything the bus holds for this user's execution arrived, in order.
      const expected: string[] = [];
      const replay = await bus.subscribe(
        BUS_TOPICS.executionEvents,
        (message) => {
          if ((message.payload as { user_id: string }).user_id === user) expected.push(message.id);
        },
        { fromStart: true },
      );
      replay.unsubscribe();
      expect(ids).toEqual(expected);
      const types = executionEvents(all).map((event) => event.type);
      expect(isWellOrdered(types, [])).toBe(true);
    }
  });

  it("refuses a malformed Last-Event-ID with a problem document", async () => {
    const response = await fetch(eventsUrl, {
      headers: { user_id: newUserId("bad"), "last-event-id": "not-an-id" },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(((await response.json()) as { detail: string }).detail).toMatch(/not-an-id/);
  });

  it("releases its bus subscription when a client disconnects", async () => {
    await until(() => listeners() === 0);
    const streams = [];
    for (let i = 0; i < 5; i += 1) {
      streams.push(await collectSse(eventsUrl, { user_id: newUserId("leak") }));
    }
    expect(listeners()).toBe(5);
    for (const stream of streams) stream.abort();
    await until(() => listeners() === 0);
    // A filtered stream that ended by itself releases it too.
    const user = newUserId("leak-filtered");
    const done = await execute(relay.url, user, calculator(2, 2));
    const filtered = await collectSse(`${eventsUrl}?request_id=${done.body.request_id}`, {
      user_id: user,
    });
    await filtered.ended;
    await until(() => listeners() === 0);
  });

  it("drops clients that stop reading; the server's memory stays flat", async () => {
    const small = createMemoryEventBus({ retention: 10 });
    const bounded = await startRelayServer({
      // STALLED_TEST_BUFFER=1000000000 shows this test failing without the bound.
      env: { RELAY_EVENT_BUFFER: process.env.STALLED_TEST_BUFFER ?? "65536" },
      bus: small,
      authenticator,
    });
    const user = newUserId("stalled");
    const { port } = new URL(bounded.url);
    const stalled = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const socket = connect({ port: Number(port), host: "127.0.0.1" });
        const state = { socket, closed: false };
        socket.on("close", () => {
          state.closed = true;
        });
        socket.on("error", () => {});
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.write(
          `GET /intent/execute-wasm/events HTTP/1.1\r\nHost: x\r\nuser_id: ${user}\r\naccept: text/event-stream\r\n\r\n`,
        );
        socket.pause();
        return state;
      }),
    );
    await until(() => small.listenerCount(BUS_TOPICS.executionEvents) === 4);
    // 2 000 events of 16 KB for four readers that read nothing.
    const filler = "x".repeat(16 * 1024);
    const memoryBefore = process.memoryUsage().rss;
    let highest = memoryBefore;
    for (let n = 0; n < 2_000; n += 1) {
      await small.publish(BUS_TOPICS.executionEvents, {
        user_id: user,
        event: {
          type: "execution_progress",
          request_id: "stalled",
          timestamp: new Date().toISOString(),
          progress: n / 20,
          filler,
        },
      });
      if (n % 50 === 0) {
        highest = Math.max(highest, process.memoryUsage().rss);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    highest = Math.max(highest, process.memoryUsage().rss);
    // Unbounded, the server holds each 16 KB event once for its readers (its wire form is
    // shared): 32 MB here. Bounded, the growth stays within the noise.
    expect(highest - memoryBefore).toBeLessThan(16 * 1024 * 1024);
    expect(small.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
    for (const { socket } of stalled) socket.resume();
    await until(() => stalled.every((state) => state.closed));
    await bounded.close();
  });

  it("says events_lost when resuming from an id older than the retention", async () => {
    const short = createMemoryEventBus({ retention: 5 });
    const server = await startRelayServer({ bus: short, authenticator });
    const user = newUserId("lost");
    const first = await short.publish(BUS_TOPICS.executionEvents, {
      user_id: user,
      event: {
        type: "execution_queued",
        request_id: "r",
        timestamp: new Date().toISOString(),
        cid: "c",
        position: 0,
      },
    });
    for (let i = 0; i < 10; i += 1) {
      await short.publish(BUS_TOPICS.executionEvents, {
        user_id: user,
        event: {
          type: "execution_progress",
          request_id: "r",
          timestamp: new Date().toISOString(),
          progress: i,
        },
      });
    }
    const stream = await collectSse(`${server.url}/intent/execute-wasm/events`, {
      user_id: user,
      "last-event-id": first,
    });
    await stream.until((messages) => messages.length >= 6);
    expect(stream.messages[0]?.event).toBe("events_lost");
    expect(JSON.parse(stream.messages[0]?.data as string)).toMatchObject({
      type: "events_lost",
      last_event_id: first,
    });
    expect(executionEvents(stream.messages)).toHaveLength(5);
    stream.abort();
    await server.close();
  });

  it("ends open streams cleanly when the server closes", async () => {
    const server = await startRelayServer({ authenticator });
    const stream = await collectSse(`${server.url}/intent/execute-wasm/events`, {
      user_id: newUserId("close"),
    });
    const closing = server.close();
    await stream.ended;
    await closing;
    expect(stream.done).toBe(true);
  });
});
