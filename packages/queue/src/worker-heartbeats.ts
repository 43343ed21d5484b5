import type { Redis } from "ioredis";
import type { QueueLayout } from "./queue-layout.js";

/** Interval between a worker's heartbeats. @unit milliseconds */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/** A worker whose last heartbeat is older than this is not counted online. @unit milliseconds */
export const HEARTBEAT_EXPIRY_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * Beats for one worker process: `ZADD workers now node` every {@link HEARTBEAT_INTERVAL_MS},
 * and at once on every (re)connection (a restarted Redis holds no heartbeat).
 * @returns a function that stops beating and removes the worker from the set.
 */
export function startHeartbeats(
  redis: Pick<Redis, "zadd" | "zrem" | "on" | "off">,
  layout: QueueLayout,
  nodeName: string,
): () => Promise<void> {
  const beat = () => {
    void redis.zadd(layout.workersKey, Date.now(), nodeName).catch(() => 0);
  };
  beat();
  redis.on("ready", beat);
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    redis.off("ready", beat);
    await redis.zrem(layout.workersKey, nodeName).catch(() => 0);
  };
}

/** The worker processes whose heartbeat is recent; old entries are dropped on the way. */
export async function workersOnline(
  redis: Pick<Redis, "zcount" | "zremrangebyscore">,
  layout: QueueLayout,
  now = Date.now(),
): Promise<number> {
  // Entries long dead (a worker killed without removing itself) are cleaned up here.
  await redis.zremrangebyscore(layout.workersKey, "-inf", now - 100 * HEARTBEAT_EXPIRY_MS);
  return redis.zcount(layout.workersKey, now - HEARTBEAT_EXPIRY_MS, "+inf");
}
