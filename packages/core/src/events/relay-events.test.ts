import { describe, expect, it } from "vitest";
import { createMemoryEventBus, type MemoryEventBus } from "../memory/memory-event-bus.js";
import { BUS_TOPICS, InvalidEventIdError } from "../ports/event-bus.js";
import type { ExecutionEvent } from "../schemas/execution-event.js";
import { openRelayEvents, type RelayEventItem, type RelayEventStream } from "./relay-events.js";

const alice = { userId: "alice", roles: [] };
const bob = { userId: "bob", roles: [] };
const admin = { userId: "root", roles: ["admin"] };
const timestamp = "2026-01-01T00:00:00.000Z";

const queued = (requestId: string): ExecutionEvent => ({
  type: "execution_queued",
  request_id: requestId,
  timestamp,
  cid: "c",
  position: 0,
});
const progress = (requestId: string, value: number): ExecutionEvent => ({
  type: "execution_progress",
  request_id: requestId,
  timestamp,
  progress: value,
});
const complete = (requestId: string): ExecutionEvent => ({
  type: "execution_complete",
  request_id: requestId,
  timestamp,
  success: true,
  duration: 1,
  gas_used: 1,
});

const publish = (
  bus: MemoryEventBus,
  userId: string,
  event: ExecutionEvent,
  idempotencyKey?: string,
) =>
  bus.publish(BUS_TOPICS.executionEvents, {
    user_id: userId,
    ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    event,
  });

/** Publishes one whole run (queued, progress, complete) and returns its ids. */
async function run(bus: MemoryEventBus, userId: string, requestId: string, key?: string) {
  return [
    await publish(bus, userId, queued(requestId), key),
    await publish(bus, userId, progress(requestId, 50), key),
    await publish(bus, userId, complete(requestId), key),
  ];
}

/** Reads `count` items (or until the feed ends). */
async function take(stream: RelayEventStream, count: number): Promise<RelayEventItem[]> {
  const items: RelayEventItem[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

/** Everything a feed yields until it ends by itself. */
async function drain(stream: RelayEventStream): Promise<RelayEventItem[]> {
  const items: RelayEventItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

const summary = (items: RelayEventItem[]) =>
  items.map((item) =>
    item.kind === "event"
      ? `${item.event.request_id}:${item.event.type}`
      : item.kind === "end"
        ? `end:${item.reason}`
        : item.kind,
  );

describe("openRelayEvents", () => {
  it("yields the caller's own executions only; an admin sees everyone's", async () => {
    const bus = createMemoryEventBus();
    const aliceFeed = await openRelayEvents(bus, alice);
    const adminFeed = await openRelayEvents(bus, admin);
    await publish(bus, "bob", queued("b1"));
    await publish(bus, "alice", queued("a1"));
    await publish(bus, "alice", { malformed: true } as unknown as ExecutionEvent);
    expect(summary(await take(aliceFeed, 1))).toEqual(["a1:execution_queued"]);
    expect(summary(await take(adminFeed, 2))).toEqual([
      "b1:execution_queued",
      "a1:execution_queued",
    ]);
    aliceFeed.close();
    adminFeed.close();
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
  });

  it("replays a finished run by request id, start to end, then ends", async () => {
    const bus = createMemoryEventBus();
    await run(bus, "alice", "other");
    const ids = await run(bus, "alice", "r1");
    await run(bus, "bob", "r1");
    const feed = await openRelayEvents(bus, alice, { requestId: "r1" });
    expect(feed.alreadyFinished).toBe(false);
    const items = await drain(feed);
    expect(summary(items)).toEqual([
      "r1:execution_queued",
      "r1:execution_progress",
      "r1:execution_complete",
      "end:finished",
    ]);
    expect(items.at(-1)).toEqual({ kind: "end", reason: "finished", lastEventId: ids[2] });
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
  });

  it("replays only the latest run of a request id that ran twice", async () => {
    const bus = createMemoryEventBus();
    await run(bus, "alice", "r1");
    const second = await run(bus, "alice", "r1");
    const items = await drain(await openRelayEvents(bus, alice, { requestId: "r1" }));
    expect(items.flatMap((item) => (item.kind === "event" ? [item.id] : []))).toEqual(second);
  });

  it("resumes inside a run after an id, and is alreadyFinished after its terminal event", async () => {
    const bus = createMemoryEventBus();
    const ids = await run(bus, "alice", "r1");
    const resumed = await drain(
      await openRelayEvents(bus, alice, { requestId: "r1", lastEventId: ids[0] }),
    );
    expect(resumed.flatMap((item) => (item.kind === "event" ? [item.id] : []))).toEqual(
      ids.slice(1),
    );
    const over = await openRelayEvents(bus, alice, { requestId: "r1", lastEventId: ids[2] });
    expect(over.alreadyFinished).toBe(true);
    expect(await drain(over)).toEqual([
      { kind: "end", reason: "already_finished", lastEventId: undefined },
    ]);
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
  });

  it("follows a live run by request id and ends after its terminal event", async () => {
    const bus = createMemoryEventBus();
    const feed = await openRelayEvents(bus, alice, { requestId: "live" });
    const reading = drain(feed);
    await publish(bus, "alice", queued("elsewhere"));
    await run(bus, "alice", "live");
    await publish(bus, "alice", progress("live", 99));
    expect(summary(await reading)).toEqual([
      "live:execution_queued",
      "live:execution_progress",
      "live:execution_complete",
      "end:finished",
    ]);
  });

  it("resumes after an id with nothing lost and nothing twice", async () => {
    const bus = createMemoryEventBus();
    const ids = await run(bus, "alice", "r1");
    const feed = await openRelayEvents(bus, alice, { lastEventId: ids[0] });
    const more = await publish(bus, "alice", queued("r2"));
    const items = await take(feed, 3);
    expect(items.map((item) => (item.kind === "event" ? item.id : item.kind))).toEqual([
      ids[1],
      ids[2],
      more,
    ]);
    expect(feed.lastEventId).toBe(more);
    feed.close();
  });

  it("says events_lost first when resuming from an id older than the retention", async () => {
    const bus = createMemoryEventBus({ retention: 5 });
    const first = await publish(bus, "alice", queued("r"));
    for (let value = 0; value < 10; value += 1) await publish(bus, "alice", progress("r", value));
    const feed = await openRelayEvents(bus, alice, { lastEventId: first });
    const items = await take(feed, 6);
    expect(items[0]).toMatchObject({
      kind: "events_lost",
      notice: { type: "events_lost", last_event_id: first },
    });
    expect(items.slice(1).every((item) => item.kind === "event")).toBe(true);
    feed.close();
  });

  it("passes on the bus's refusal of a malformed id", async () => {
    const bus = createMemoryEventBus();
    await expect(openRelayEvents(bus, alice, { lastEventId: "not-an-id" })).rejects.toThrow(
      InvalidEventIdError,
    );
    await expect(openRelayEvents(bus, alice, { maxBuffered: 0 })).rejects.toThrow(RangeError);
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
  });

  it("drops a consumer that falls more than maxBuffered live events behind, with a notice", async () => {
    const bus = createMemoryEventBus();
    const feed = await openRelayEvents(bus, alice, { maxBuffered: 3 });
    const ids: string[] = [];
    for (let value = 0; value < 10; value += 1) {
      ids.push(await publish(bus, "alice", progress("r", value)));
    }
    // The subscription is released as soon as the bound is passed, not when the consumer reads.
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
    const items = await drain(feed);
    expect(items).toEqual([{ kind: "end", reason: "overflow", lastEventId: undefined }]);
    // Reopened after the last id it got, the consumer catches up from the bus's retention.
    const again = await openRelayEvents(bus, alice, { lastEventId: ids[4] });
    expect((await take(again, 5)).map((item) => (item.kind === "event" ? item.id : ""))).toEqual(
      ids.slice(5),
    );
    again.close();
  });

  it("keeps a replay longer than maxBuffered whole, and bounds live events once it drained", async () => {
    const bus = createMemoryEventBus();
    const first = await publish(bus, "alice", queued("r"));
    for (let value = 0; value < 20; value += 1) await publish(bus, "alice", progress("r", value));
    const feed = await openRelayEvents(bus, alice, { lastEventId: first, maxBuffered: 2 });
    expect(await take(feed, 20)).toHaveLength(20);
    const live = [];
    for (let value = 0; value < 2; value += 1)
      live.push(await publish(bus, "alice", progress("r", 50)));
    expect((await take(feed, 2)).map((item) => (item.kind === "event" ? item.id : ""))).toEqual(
      live,
    );
    for (let value = 0; value < 3; value += 1) await publish(bus, "alice", progress("r", 60));
    expect(summary(await drain(feed))).toEqual(["end:overflow"]);
  });

  it("never drops a consumer that keeps up", async () => {
    const bus = createMemoryEventBus();
    const feed = await openRelayEvents(bus, alice, { maxBuffered: 1 });
    const reading = take(feed, 50);
    for (let value = 0; value < 50; value += 1) await publish(bus, "alice", progress("r", value));
    expect((await reading).every((item) => item.kind === "event")).toBe(true);
    feed.close();
  });

  it("follows the caller's own execution by idempotency key, live or replayed", async () => {
    const bus = createMemoryEventBus();
    const feed = await openRelayEvents(bus, alice, { idempotencyKey: "k-1" });
    const reading = drain(feed);
    await run(bus, "alice", "same-request", "k-2");
    await run(bus, "bob", "bobs", "k-1");
    await run(bus, "alice", "same-request");
    await run(bus, "alice", "keyed", "k-1");
    expect(summary(await reading)).toEqual([
      "keyed:execution_queued",
      "keyed:execution_progress",
      "keyed:execution_complete",
      "end:finished",
    ]);
    // After the run: the retained events, start to end; an admin sees only their own keys.
    expect(
      summary(await drain(await openRelayEvents(bus, alice, { idempotencyKey: "k-1" }))),
    ).toHaveLength(4);
    const adminFeed = await openRelayEvents(bus, admin, { idempotencyKey: "k-1" });
    const adminItems = take(adminFeed, 1);
    await run(bus, "root", "admins", "k-1");
    expect(summary(await adminItems)).toEqual(["admins:execution_queued"]);
    adminFeed.close();
    const bobsFeed = await openRelayEvents(bus, bob, { idempotencyKey: "k-1" });
    expect(summary(await drain(bobsFeed))).toEqual([
      "bobs:execution_queued",
      "bobs:execution_progress",
      "bobs:execution_complete",
      "end:finished",
    ]);
  });

  it("ends iteration without an item when aborted, and releases the subscription", async () => {
    const bus = createMemoryEventBus();
    const controller = new AbortController();
    const feed = await openRelayEvents(bus, alice, { signal: controller.signal });
    const reading = drain(feed);
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(1);
    controller.abort();
    expect(await reading).toEqual([]);
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
    const aborted = await openRelayEvents(bus, alice, { signal: controller.signal });
    expect(await drain(aborted)).toEqual([]);
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
    // break releases it too.
    const broken = await openRelayEvents(bus, alice);
    const pending = (async () => {
      for await (const _item of broken) break;
    })();
    await publish(bus, "alice", queued("x"));
    await pending;
    expect(bus.listenerCount(BUS_TOPICS.executionEvents)).toBe(0);
  });
});
