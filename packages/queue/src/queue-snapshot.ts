import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueLayout } from "./queue-layout.js";
import { workersOnline } from "./worker-heartbeats.js";

/** BullMQ job states counted in a {@link QueueSnapshot}. */
export const COUNTED_JOB_STATES = [
  "waiting",
  "prioritized",
  "active",
  "completed",
  "failed",
  "delayed",
] as const;

/** One reading of the shared queue. */
export interface QueueSnapshot {
  /** Jobs waiting for a worker (BullMQ `waiting` + `prioritized`). */
  depth: number;
  /** Age of the oldest waiting job; 0 when none waits. @unit milliseconds */
  oldestJobAgeMs: number;
  /** Worker processes with a recent heartbeat. */
  workersOnline: number;
  /** Jobs by BullMQ state (finished ones as long as BullMQ keeps them). */
  jobs: Record<(typeof COUNTED_JOB_STATES)[number], number>;
  /** When it was read. @unit epoch milliseconds */
  readAt: number;
}

/**
 * Reads the queue's depth, oldest waiting job, workers online and job counts (four round trips).
 * @throws the Redis client's error.
 */
export async function readQueueSnapshot(
  queue: Pick<Queue, "getJobCounts">,
  redis: Pick<Redis, "zrange" | "zcount" | "zremrangebyscore" | "time">,
  layout: QueueLayout,
): Promise<QueueSnapshot> {
  const [counts, oldest, online, time] = await Promise.all([
    queue.getJobCounts(...COUNTED_JOB_STATES),
    redis.zrange(layout.waitingSinceKey, 0, 0, "WITHSCORES"),
    workersOnline(redis, layout),
    redis.time(),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const jobs = Object.fromEntries(
    COUNTED_JOB_STATES.map((state) => [state, counts[state] ?? 0]),
  ) as QueueSnapshot["jobs"];
  const depth = jobs.waiting + jobs.prioritized;
  const since = oldest[1] !== undefined ? Number(oldest[1]) : undefined;
  return {
    depth,
    oldestJobAgeMs: depth > 0 && since !== undefined ? Math.max(0, now - since) : 0,
    workersOnline: online,
    jobs,
    readAt: Date.now(),
  };
}
