import type { ExecutionPriority } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import { FAIR_ADMIT_SCRIPT, FAIR_LEAVE_SCRIPT, JOB_POSITION_SCRIPT } from "./fair-share-scripts.js";
import type { QueueLayout } from "./queue-layout.js";

/** The part of a Redis client the fair-share scripts need. */
export type FairShareRedis = Pick<Redis, "eval">;

/** What admission decided. */
export type Admission =
  | {
      admitted: true;
      tag: number;
      depth: number;
      /** When Redis admitted it, on Redis' clock. @unit epoch milliseconds */
      admittedAt: number;
    }
  | { admitted: false; reason: "queue_full"; depth: number }
  | { admitted: false; reason: "user_full"; waiting: number };

/**
 * Admits a job into the fair-share scheduler (start-time fair queueing, see docs/scaling.md), before BullMQ
 * holds it: refusals happen before anything is queued.
 * @param limits `maxQueue` and `maxPerUser`; 0 or undefined means no limit.
 * @throws the Redis client's error.
 */
export async function admitJob(
  redis: FairShareRedis,
  layout: QueueLayout,
  job: { id: string; userId: string; priority: ExecutionPriority },
  limits: { maxQueue?: number | undefined; maxPerUser?: number | undefined },
): Promise<Admission> {
  const [code, count, admittedAt] = (await redis.eval(
    FAIR_ADMIT_SCRIPT,
    6,
    layout.prioritizedKey,
    layout.waitKey,
    layout.fairKey,
    layout.pendingKey,
    layout.userWaitingKey,
    layout.waitingSinceKey,
    job.userId,
    job.priority,
    job.id,
    limits.maxQueue ?? 0,
    limits.maxPerUser ?? 0,
  )) as [number, number, number?];
  if (code === -1) return { admitted: false, reason: "queue_full", depth: count };
  if (code === -2) return { admitted: false, reason: "user_full", waiting: count };
  return { admitted: true, tag: code, depth: count, admittedAt: admittedAt ?? 0 };
}

/**
 * Takes a job out of its user's lane: `start` when a worker starts it (advancing the class's
 * virtual clock to its tag), or without `start` when it is withdrawn before starting. A start
 * with `startWithinMs` (its bound after admission) learns whether it is late.
 * @returns whether the job was still counted as waiting, and whether it started past its bound.
 * @throws the Redis client's error.
 */
export async function leaveLane(
  redis: FairShareRedis,
  layout: QueueLayout,
  jobId: string,
  start?: {
    priority: ExecutionPriority;
    tag: number;
    startWithinMs?: number | undefined;
    /** The job's admission time (Redis' clock), for a rerun whose waiting entry is gone. @unit epoch milliseconds */
    admittedAt?: number | undefined;
  },
): Promise<{ counted: boolean; late: boolean }> {
  const [counted, late] = (await redis.eval(
    FAIR_LEAVE_SCRIPT,
    4,
    layout.fairKey,
    layout.pendingKey,
    layout.userWaitingKey,
    layout.waitingSinceKey,
    jobId,
    start?.priority ?? "",
    start?.tag ?? 0,
    start?.startWithinMs === undefined ? "" : Math.floor(start.startWithinMs),
    start?.admittedAt === undefined ? "" : start.admittedAt,
  )) as [number, number];
  return { counted: counted === 1, late: late === 1 };
}

/**
 * The 1-based position of a waiting job in the queue (0 once a worker took it).
 * @throws the Redis client's error.
 */
export async function jobPosition(
  redis: FairShareRedis,
  layout: QueueLayout,
  jobId: string,
): Promise<number> {
  return (await redis.eval(
    JOB_POSITION_SCRIPT,
    2,
    layout.prioritizedKey,
    layout.waitKey,
    jobId,
  )) as number;
}
