import type { Authorizer } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, execute, newUserId, spin } from "../events/relay-requests.js";
import { RawSocket, websocketUrl } from "./raw-socket.js";

/** Refuses every execution of the user `mallory`. */
const authorizer: Authorizer = {
  async authorize(request) {
    if (request.user_id.startsWith("mallory")) return { allowed: false, reason: "mallory may not" };
    return { allowed: true };
  },
};

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let url: string;

beforeAll(async () => {
  relay = await startRelayServer({
    env: {
      RELAY_WORKERS: "2",
      RELAY_RATE_LIMIT: "10",
      RELAY_WS_INIT_TIMEOUT: "300",
      RELAY_WS_MAX_IN_FLIGHT: "3",
      RELAY_WS_MAX_PAYLOAD: "4096",
    },
    authorizer,
  });
  url = relay.url;
});
afterAll(async () => {
  await relay?.close();
});

describe("WebSocket protocol (raw ws client)", () => {
  it("acknowledges connection_init and answers ping with pong", async () => {
    const socket = await RawSocket.connect(url, newUserId("ping"));
    socket.send({ type: "ping" });
    expect(await socket.next((message) => message.type === "pong")).toEqual({ type: "pong" });
    expect(await socket.close()).toMatchObject({ code: 1000 });
  });

  it("runs an execution: its events in order, then the HTTP response body; the same again is a replay", async () => {
    const socket = await RawSocket.connect(url, newUserId("execute"));
    socket.send({ type: "execute", id: "a", request: calculator(5, 3) });
    const result = await socket.terminal("a");
    expect(result).toMatchObject({
      type: "result",
      replayed: false,
      response: { success: true, output: 8 },
    });
    const types = socket.events("a").map((event) => event.type);
    expect(types[0]).toBe("execution_queued");
    expect(types.at(-1)).toBe("execution_complete");
    const eventMessages = socket.received.filter((message) => message.type === "event");
    expect(eventMessages.every((message) => typeof message.event_id === "string")).toBe(true);

    socket.send({ type: "execute", id: "b", request: calculator(5, 3) });
    const replay = await socket.terminal("b");
    expect(replay).toMatchObject({ type: "result", replayed: true });
    expect((replay.response as { request_id: string }).request_id).toBe(
      (result.response as { request_id: string }).request_id,
    );
    await socket.close();
  });

  it("answers what HTTP would: 400 for a bad request, 403 for a refused one, 429 for the 11th in a window (shared with HTTP)", async () => {
    const user = newUserId("limits");
    const socket = await RawSocket.connect(url, user);
    socket.send({ type: "execute", id: "bad", request: { cid: 42 } });
    expect(await socket.terminal("bad")).toMatchObject({
      type: "error",
      problem: { status: 400, details: expect.any(Array) },
    });
    // 1 so far over WS; 4 over HTTP, 5 more over WS: 10. The 11th is refused.
    for (let index = 0; index < 4; index += 1) {
      expect((await execute(url, user, calculator(index, 100))).status).toBe(200);
    }
    for (let index = 0; index < 5; index += 1) {
      socket.send({ type: "execute", id: `ok-${index}`, request: calculator(index, 200) });
      expect(await socket.terminal(`ok-${index}`)).toMatchObject({ type: "result" });
    }
    socket.send({ type: "execute", id: "eleventh", request: calculator(1, 1) });
    const refused = await socket.terminal("eleventh");
    expect(refused).toMatchObject({ type: "error", problem: { status: 429 } });
    expect((refused.problem as { retry_after: number }).retry_after).toBeGreaterThan(0);
    expect((await execute(url, user, calculator(9, 9))).status).toBe(429);

    const mallory = await RawSocket.connect(url, newUserId("mallory"));
    mallory.send({ type: "execute", id: "m", request: calculator(1, 2) });
    expect(await mallory.terminal("m")).toMatchObject({
      type: "error",
      problem: { status: 403, reason: "mallory may not" },
    });
    await Promise.all([socket.close(), mallory.close()]);
  });

  it("shares idempotency with HTTP: a request answered over HTTP is replayed over WS", async () => {
    const user = newUserId("shared");
    const request = { ...calculator(20, 22), idempotency_key: `k-${user}` };
    const first = await execute(url, user, request);
    expect(first.status).toBe(200);
    const socket = await RawSocket.connect(url, user);
    socket.send({ type: "execute", id: "again", request });
    expect(await socket.terminal("again")).toMatchObject({
      type: "result",
      replayed: true,
      response: { request_id: first.body.request_id, output: 42 },
    });
    await socket.close();
  });

  it("cancels a running execution: its result says error.code cancelled", async () => {
    const socket = await RawSocket.connect(url, newUserId("cancel"));
    socket.send({ type: "execute", id: "long", request: spin(20_000) });
    await socket.next((message) => message.type === "event" && message.id === "long");
    const startedAt = performance.now();
    socket.send({ type: "cancel", id: "long" });
    const result = await socket.terminal("long");
    expect(result).toMatchObject({
      type: "result",
      response: { success: false, error: { code: "cancelled" } },
    });
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    // A cancel of an id not in flight is ignored.
    socket.send({ type: "cancel", id: "never-sent" });
    socket.send({ type: "ping" });
    await socket.next((message) => message.type === "pong");
    await socket.close();
  });

  it("cancels an execution cancelled right after it was sent (before its request id is known)", async () => {
    const socket = await RawSocket.connect(url, newUserId("early-cancel"));
    socket.send({ type: "execute", id: "early", request: spin(20_000, 1) });
    socket.send({ type: "cancel", id: "early" });
    expect(await socket.terminal("early")).toMatchObject({
      type: "result",
      response: { success: false, error: { code: "cancelled" } },
    });
    await socket.close();
  });

  it("subscribes to the caller's own events: one execution by request_id, resumed from an event id, then complete", async () => {
    const user = newUserId("subscribe");
    const ran = await execute(url, user, calculator(2, 2));
    const socket = await RawSocket.connect(url, user);
    socket.send({ type: "subscribe", id: "s", request_id: ran.body.request_id });
    expect(await socket.terminal("s")).toEqual({ type: "complete", id: "s" });
    const events = socket.received.filter(
      (message) => message.id === "s" && message.type === "event",
    );
    expect(events.map((message) => (message.event as { type: string }).type)).toEqual(
      expect.arrayContaining(["execution_queued", "execution_complete"]),
    );
    // Resume after the first: the rest, nothing twice.
    socket.send({
      type: "subscribe",
      id: "s2",
      request_id: ran.body.request_id,
      last_event_id: events[0]?.event_id,
    });
    await socket.terminal("s2");
    const resumed = socket.received.filter(
      (message) => message.id === "s2" && message.type === "event",
    );
    expect(resumed.map((message) => message.event_id)).toEqual(
      events.slice(1).map((message) => message.event_id),
    );

    // A live subscription to all own events sees a new execution; unsubscribe completes it.
    socket.send({ type: "subscribe", id: "live" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await execute(url, user, calculator(3, 3));
    await socket.next(
      (message) =>
        message.id === "live" &&
        (message.event as { type?: string } | undefined)?.type === "execution_complete",
    );
    socket.send({ type: "unsubscribe", id: "live" });
    expect(await socket.terminal("live")).toEqual({ type: "complete", id: "live" });
    socket.send({ type: "subscribe", id: "bad-id", last_event_id: "not an id" });
    expect(await socket.terminal("bad-id")).toMatchObject({
      type: "error",
      problem: { status: 400 },
    });
    await socket.close();
  });

  it("closing the socket cancels executions sent without an idempotency key, and lets keyed ones finish for a replay", async () => {
    const user = newUserId("close");
    const socket = await RawSocket.connect(url, user);
    const watcher = await RawSocket.connect(url, user);
    watcher.send({ type: "subscribe", id: "w" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.send({ type: "execute", id: "unkeyed", request: spin(20_000, 2) });
    const key = `keyed-${user}`;
    socket.send({
      type: "execute",
      id: "keyed",
      request: { ...calculator(7, 7), policy: { max_time: 2000 }, idempotency_key: key },
    });
    await socket.next((message) => message.id === "unkeyed" && message.type === "event");
    socket.socket.terminate();
    const cancelled = await watcher.next(
      (message) =>
        message.id === "w" &&
        (message.event as { type?: string; error?: { code?: string } }).type ===
          "execution_complete" &&
        (message.event as { error?: { code?: string } }).error?.code === "cancelled",
    );
    expect(cancelled).toBeDefined();
    const again = await RawSocket.connect(url, user);
    again.send({
      type: "execute",
      id: "replay",
      request: { ...calculator(7, 7), policy: { max_time: 2000 }, idempotency_key: key },
    });
    expect(await again.terminal("replay")).toMatchObject({
      type: "result",
      replayed: true,
      response: { output: 14 },
    });
    await Promise.all([watcher.close(), again.close()]);
  });
});

describe("WebSocket close codes", () => {
  const closeOf = async (messages: unknown[], init = true) => {
    const socket = init
      ? await RawSocket.connect(url, newUserId("codes"))
      : new RawSocket(websocketUrl(url));
    await socket.opened;
    for (const message of messages) socket.send(message);
    return socket.closed;
  };

  it("4400 names what is invalid", async () => {
    expect(await closeOf(["{not json"])).toEqual({ code: 4400, reason: "message is not JSON" });
    expect(await closeOf([{ type: "launch" }])).toMatchObject({
      code: 4400,
      reason: expect.stringContaining("type must be"),
    });
    expect(await closeOf([{ type: "execute", request: {} }])).toMatchObject({
      code: 4400,
      reason: expect.stringContaining("id"),
    });
    expect(await closeOf([{ type: "connection_init" }])).toMatchObject({
      code: 4400,
      reason: "connection_init sent twice",
    });
    const binary = await RawSocket.connect(url, newUserId("binary"));
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect(await binary.closed).toMatchObject({
      code: 4400,
      reason: expect.stringContaining("binary"),
    });
  });

  it("4401 for an operation before connection_init and for bad credentials", async () => {
    expect(await closeOf([{ type: "ping" }], false)).toMatchObject({ code: 4401 });
    expect(await closeOf([{ type: "connection_init", payload: {} }], false)).toMatchObject({
      code: 4401,
      reason: expect.stringContaining("unauthenticated"),
    });
  });

  it("4401 is not sent when the upgrade's headers carry the identity", async () => {
    const socket = new RawSocket(websocketUrl(url), { user_id: newUserId("headers") });
    await socket.opened;
    socket.send({ type: "connection_init" });
    await socket.next((message) => message.type === "connection_ack");
    await socket.close();
  });

  it("4408 without connection_init in time", async () => {
    const socket = new RawSocket(websocketUrl(url));
    expect(await socket.closed).toMatchObject({ code: 4408 });
  });

  it("4409 for an operation id already in flight", async () => {
    const socket = await RawSocket.connect(url, newUserId("dup"));
    socket.send({ type: "execute", id: "x", request: spin(5_000, 3) });
    socket.send({ type: "execute", id: "x", request: spin(5_000, 4) });
    expect(await socket.closed).toMatchObject({ code: 4409 });
  });

  it("4429 past RELAY_WS_MAX_IN_FLIGHT operations", async () => {
    const socket = await RawSocket.connect(url, newUserId("many"));
    for (const id of ["1", "2", "3", "4"]) socket.send({ type: "subscribe", id });
    expect(await socket.closed).toMatchObject({ code: 4429 });
  });

  it("1009 for a message over RELAY_WS_MAX_PAYLOAD", async () => {
    const socket = await RawSocket.connect(url, newUserId("big"));
    socket.send({ type: "execute", id: "big", request: { cid: "x".repeat(5_000) } });
    expect(await socket.closed).toMatchObject({ code: 1009 });
  });

  it("a plain GET is told to upgrade (426); other upgrade paths are 404", async () => {
    const response = await fetch(`${url}/intent/execute-wasm/ws`);
    expect(response.status).toBe(426);
    const stray = new WebSocket(`${url.replace(/^http/, "ws")}/elsewhere`);
    const status = await new Promise<number>((resolve) => {
      stray.on("unexpected-response", (_request, answer) => resolve(answer.statusCode ?? 0));
      stray.on("error", () => {});
    });
    expect(status).toBe(404);
  });

  it("serves the AsyncAPI document", async () => {
    const response = await fetch(`${url}/asyncapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ asyncapi: "3.0.0" });
  });
});
