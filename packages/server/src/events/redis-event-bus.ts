import type { BusMessage, EventBus, JsonValue, Subscription } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { runRedisScript } from "../redis/redis-script.js";
import { MOST_EVENTS_PER_CALL, PUBLISH_EVENTS_SCRIPT } from "./publish-event-script.js";
import { readStreamAfter, type StreamEntry } from "./read-stream-after.js";
import {
  compareRedisStreamIds,
  parseRedisStreamId,
  type RedisStreamId,
  STREAM_START_ID,
} from "./redis-stream-id.js";

/** Default prefix of the stream keys: topic `wasm_exec_events` is `relay:events:wasm_exec_events`. */
export const DEFAULT_EVENT_STREAM_PREFIX = "relay:events:";

/** Options of {@link createRedisEventBus}. */
export interface RedisEventBusOptions {
  /**
   * Connection for `EVALSHA` (publish), `XRANGE`, `XREVRANGE`, `GET` and `CLIENT UNBLOCK`; may be
   * shared with other adapters. The bus does not close it.
   */
  redis: Redis;
  /** Prefix of every key: the stream of topic `t` is `<keyPrefix><t>`. @default "relay:events:" */
  keyPrefix?: string | undefined;
  /** Entries kept per stream for resumption (trimmed in batches of up to 10 % more). @default 10000 */
  retention?: number | undefined;
  /** Longest one blocking `XREAD` waits before it is issued again. @unit milliseconds @default 5000 */
  blockMs?: number | undefined;
  /** Entries read per `XREAD` and per `XRANGE` page. @default 500 */
  batchSize?: number | undefined;
  /**
   * Longest the first commands wait for `redis` to finish connecting (later ones fail at once
   * while it is away, as the client is configured). @unit milliseconds @default 1000
   */
  connectTimeoutMs?: number | undefined;
  /** Receives read-loop failures (Redis away, a bad entry, a listener that threw). */
  onError?: ((error: Error) => void) | undefined;
}

/** The Redis Streams {@link EventBus}, with what the server and tests need besides the port. */
export interface RedisEventBus extends EventBus {
  /** The Redis key of `topic`'s stream (what other services `XREAD`). */
  streamKey(topic: string): string;
  /** Subscriptions not unsubscribed yet, over all topics (for leak checks and metrics). */
  subscriberCount(): number;
  /** Stops the read loop and closes the reading connection; subscriptions stop receiving. */
  close(): Promise<void>;
}

interface Subscriber {
  listener: (message: BusMessage) => void;
  /** Newest id delivered (or the exclusive start): older or equal live entries are skipped. */
  lastId: RedisStreamId;
  /** Live entries held while the replay is still being read; `undefined` once live. */
  pending: BusMessage[] | undefined;
  active: boolean;
}

/** A publish waiting for the end of its tick. */
interface OutgoingEvent {
  topic: string;
  /** The payload's JSON, taken when `publish` was called. */
  text: string;
  resolve(id: string): void;
  reject(error: unknown): void;
}

interface TopicState {
  topic: string;
  key: string;
  subscribers: Set<Subscriber>;
  /** Last id the read loop has read; `undefined` until fetched. */
  cursor: string | undefined;
}

/**
 * "tmpbus" on Redis Streams. Each topic is one stream of entries `payload <JSON>`, bounded to
 * about `retention` entries. One dedicated connection per bus runs a blocking `XREAD` over every
 * topic that has subscribers and fans each entry out to them in-process, so a thousand SSE
 * clients cost one Redis connection. A subscription with `afterId` (or `fromStart`) first reads
 * the retained entries with `XRANGE` on the shared connection while live entries are held back,
 * then merges the two by id: no loss, no duplicates.
 * @throws RangeError when `retention`, `blockMs`, `batchSize` or `connectTimeoutMs` is not a
 *   positive integer.
 */
export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const redis = options.redis;
  const keyPrefix = options.keyPrefix ?? DEFAULT_EVENT_STREAM_PREFIX;
  const retention = positiveInteger("retention", options.retention ?? 10_000);
  const blockMs = positiveInteger("blockMs", options.blockMs ?? 5_000);
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 500);
  const connectTimeoutMs = positiveInteger("connectTimeoutMs", options.connectTimeoutMs ?? 1_000);
  const trimBatch = Math.max(1, Math.min(1_000, Math.ceil(retention / 10)));
  const report = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));

  // Blocking reads get a connection of their own, without the shared client's command timeout.
  const reader = redis.duplicate({
    commandTimeout: undefined,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    // Named so that operators (and tests) can tell it apart in CLIENT LIST.
    connectionName: `relay-event-reader:${keyPrefix}`.replace(/\s/g, "_"),
  });
  reader.on("error", report);
  let readerId: number | undefined;
  reader.on("close", () => {
    readerId = undefined;
  });

  const topics = new Map<string, TopicState>();
  let closed = false;
  let reading = false;
  let wakeIdle: (() => void) | undefined;

  const streamKey = (topic: string) => `${keyPrefix}${topic}`;
  const trimmedKey = (topic: string) => `${keyPrefix}${topic}:trimmed-through`;

  function toMessage(topic: string, [id, fields]: StreamEntry): BusMessage | undefined {
    const at = fields.indexOf("payload");
    if (at < 0 || at % 2 === 1) {
      report(new Error(`stream ${streamKey(topic)} entry ${id} has no payload field; skipped`));
      return undefined;
    }
    try {
      return { id, topic, payload: JSON.parse(fields[at + 1] as string) as JsonValue };
    } catch {
      report(new Error(`stream ${streamKey(topic)} entry ${id} holds no JSON payload; skipped`));
      return undefined;
    }
  }

  function deliver(subscriber: Subscriber, message: BusMessage, id: RedisStreamId): void {
    if (!subscriber.active || compareRedisStreamIds(id, subscriber.lastId) <= 0) return;
    subscriber.lastId = id;
    try {
      subscriber.listener(message);
    } catch (error) {
      report(error);
    }
  }

  function dispatch(state: TopicState, message: BusMessage): void {
    const id = parseRedisStreamId(message.id);
    for (const subscriber of [...state.subscribers]) {
      if (subscriber.pending) subscriber.pending.push(message);
      else deliver(subscriber, message, id);
    }
  }

  async function readLoop(): Promise<void> {
    let failures = 0;
    while (!closed) {
      const watched = [...topics.values()].filter((state) => state.cursor !== undefined);
      if (watched.length === 0) {
        await new Promise<void>((resolve) => {
          wakeIdle = resolve;
        });
        wakeIdle = undefined;
        continue;
      }
      try {
        if (readerId === undefined) readerId = Number(await reader.client("ID"));
        reading = true;
        const reply = (await reader.xread(
          "COUNT",
          batchSize,
          "BLOCK",
          blockMs,
          "STREAMS",
          ...watched.map((state) => state.key),
          ...watched.map((state) => state.cursor as string),
        )) as [key: string, entries: StreamEntry[]][] | null;
        reading = false;
        failures = 0;
        for (const [key, entries] of reply ?? []) {
          const state = watched.find((candidate) => candidate.key === key);
          // A topic dropped (or dropped and re-added) meanwhile has its own cursor now.
          if (!state || topics.get(state.topic) !== state) continue;
          for (const entry of entries) {
            state.cursor = entry[0];
            const message = toMessage(state.topic, entry);
            if (message) dispatch(state, message);
          }
        }
      } catch (error) {
        reading = false;
        if (closed) break;
        report(error);
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** failures)));
      }
    }
  }

  /** Makes the read loop notice a new topic now rather than after its current `XREAD`. */
  async function wake(): Promise<void> {
    if (wakeIdle) {
      wakeIdle();
      return;
    }
    // The XREAD may not have reached Redis yet when UNBLOCK does: try a few times.
    for (let attempt = 0; attempt < 5 && reading && readerId !== undefined; attempt += 1) {
      const unblocked = await redis.client("UNBLOCK", readerId).catch(() => 0);
      if (Number(unblocked) === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 2 * (attempt + 1)));
    }
  }

  async function lastEntryId(key: string): Promise<string | undefined> {
    await connected;
    const last = (await redis.xrevrange(key, "+", "-", "COUNT", 1)) as StreamEntry[];
    return last[0]?.[0];
  }

  const loop = readLoop();

  // A connection still being opened fails commands at once (no offline queue): the first ones
  // wait until it is ready, for `connectTimeoutMs` at most. Every command awaits this same
  // promise, so they still reach Redis in call order.
  const connected = new Promise<void>((resolve) => {
    if (redis.status === "ready") return resolve();
    const timer = setTimeout(resolve, connectTimeoutMs);
    timer.unref?.();
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });

  async function subscribe(
    topic: string,
    listener: (message: BusMessage) => void,
    subscribeOptions: { afterId?: string | undefined; fromStart?: boolean | undefined } = {},
  ): Promise<Subscription> {
    if (closed) throw new Error("the Redis event bus is closed");
    const afterId = subscribeOptions.afterId;
    let after = afterId !== undefined ? parseRedisStreamId(afterId) : undefined;
    const key = streamKey(topic);

    let state = topics.get(topic);
    if (!state) {
      state = { topic, key, subscribers: new Set(), cursor: undefined };
      topics.set(topic, state);
    }
    const topicState = state;
    // Registered before any read, holding live entries until the replay is merged.
    const subscriber: Subscriber = { listener, lastId: [0, 0], pending: [], active: true };
    topicState.subscribers.add(subscriber);
    const unsubscribe = () => {
      if (!subscriber.active) return;
      subscriber.active = false;
      subscriber.pending = undefined;
      topicState.subscribers.delete(subscriber);
      if (topicState.subscribers.size === 0 && topics.get(topic) === topicState) {
        topics.delete(topic);
      }
    };

    try {
      const newest = await lastEntryId(key);
      // Whoever reads the stream's end first starts the live reading there (before any catch-up
      // reads further), even if the subscriber that created the topic failed meanwhile.
      if (topicState.cursor === undefined) {
        topicState.cursor = newest ?? STREAM_START_ID;
        void wake();
      }
      let gap = false;
      let start: RedisStreamId;
      if (after !== undefined) {
        // An id newer than anything in the stream was not issued by it: replay what it holds.
        if (newest === undefined || compareRedisStreamIds(after, parseRedisStreamId(newest)) > 0) {
          gap = true;
          after = [0, 0];
        }
        start = after;
      } else if (subscribeOptions.fromStart) {
        start = [0, 0];
      } else {
        start = newest ? parseRedisStreamId(newest) : [0, 0];
      }
      subscriber.lastId = start;

      const replaying = after !== undefined || subscribeOptions.fromStart === true;
      const { lost } = await readStreamAfter(
        redis,
        { stream: key, trimmedThrough: trimmedKey(topic) },
        start,
        batchSize,
        (entry, id) => {
          const message = toMessage(topic, entry);
          if (message) deliver(subscriber, message, id);
        },
        () => subscriber.active,
      );
      if (replaying && lost) gap = true;
      // Synchronously from here: the held live entries follow the replay, older ones skipped.
      const held = subscriber.pending ?? [];
      subscriber.pending = undefined;
      for (const message of held) deliver(subscriber, message, parseRedisStreamId(message.id));
      return { gap, unsubscribe };
    } catch (error) {
      unsubscribe();
      throw error;
    }
  }

  /** Publishes handed over in this tick, sent together when it ends. */
  let outgoing: OutgoingEvent[] = [];

  /** Sends the tick's publishes: one script call per {@link MOST_EVENTS_PER_CALL} events. */
  function sendOutgoing(): void {
    const events = outgoing;
    outgoing = [];
    for (let start = 0; start < events.length; start += MOST_EVENTS_PER_CALL) {
      void sendEvents(events.slice(start, start + MOST_EVENTS_PER_CALL));
    }
  }

  async function sendEvents(events: OutgoingEvent[]): Promise<void> {
    try {
      await connected;
      const keys: string[] = [];
      const args: (string | number)[] = [retention, trimBatch];
      for (const event of events) {
        keys.push(streamKey(event.topic), trimmedKey(event.topic));
        args.push(event.text);
      }
      const ids = await runRedisScript(redis, PUBLISH_EVENTS_SCRIPT, keys, args);
      if (!Array.isArray(ids) || ids.length !== events.length) {
        throw new Error(`the publish script answered ${JSON.stringify(ids)}`);
      }
      for (const [index, event] of events.entries()) event.resolve(String(ids[index]));
    } catch (error) {
      for (const event of events) event.reject(error);
    }
  }

  return {
    // The publishes of one tick are one EVALSHA on the one command connection, the ticks' calls
    // follow each other on it: Redis runs them all in call order.
    ordersConcurrentPublishes: true,
    publish(topic, payload) {
      if (closed) return Promise.reject(new Error("the Redis event bus is closed"));
      return new Promise<string>((resolve, reject) => {
        outgoing.push({ topic, text: JSON.stringify(payload), resolve, reject });
        if (outgoing.length === 1) process.nextTick(sendOutgoing);
      });
    },
    subscribe,
    streamKey,
    subscriberCount() {
      let count = 0;
      for (const state of topics.values()) count += state.subscribers.size;
      return count;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const state of topics.values()) {
        for (const subscriber of state.subscribers) subscriber.active = false;
      }
      topics.clear();
      wakeIdle?.();
      reader.disconnect();
      await loop;
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
