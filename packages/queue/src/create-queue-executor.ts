import { randomUUID } from "node:crypto";
import {
  advisoryEventListener,
  type ExecutionResult,
  type ExecutionTask,
  type Executor,
  type ExecutorEvent,
  type ExecutorRunOptions,
  ExecutorUnavailableError,
  withTimeBound,
} from "@wasm-relay/core";
import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { cancelledResult } from "./cancelled-result.js";
import {
  EXECUTION_JOB_NAME,
  type ExecutionJobData,
  type ExecutionJobProgress,
} from "./execution-job.js";
import { admitJob, jobPosition, leaveLane } from "./fair-share.js";
import { jobPriority } from "./job-priority.js";
import { createModuleHandOff } from "./module-hand-off.js";
import { type QueueLayoutOptions, queueLayout } from "./queue-layout.js";
import { type QueueSnapshot, readQueueSnapshot } from "./queue-snapshot.js";
import { redisOptionsOf } from "./redis-options.js";
import { HEARTBEAT_EXPIRY_MS } from "./worker-heartbeats.js";

/** Options of {@link createQueueExecutor}. */
export interface QueueExecutorOptions extends QueueLayoutOptions {
  /** The shared Redis (`REDIS_URL`). */
  redisUrl: string;
  /** Most jobs waiting in the whole queue; one more is refused with 503. 0: no limit (`RELAY_QUEUE_MAX`). @default 0 */
  maxQueue?: number | undefined;
  /** Most jobs one user may have waiting; one more is refused with 429 (`RELAY_QUEUE_MAX_PER_USER`). 0: no limit. @default 0 */
  maxQueuePerUser?: number | undefined;
  /** Suggested wait returned with a refusal. @unit milliseconds @default 1000 */
  retryAfterMs?: number | undefined;
  /** Longest one enqueue step may wait on Redis before the execution is refused with 503. @unit milliseconds @default 2000 */
  redisTimeoutMs?: number | undefined;
  /** Interval of the health snapshot (depth, oldest job, workers online). @unit milliseconds @default 1000 */
  snapshotIntervalMs?: number | undefined;
  /**
   * Interval at which a waiting execution checks its job directly, in case its completion event
   * was missed (a reconnect). @unit milliseconds @default 5000
   */
  pollIntervalMs?: number | undefined;
  /** Refuse executions (503) while no worker process has a recent heartbeat. @default true */
  requireWorkers?: boolean | undefined;
  /** Receives the queue wait and run time of each job that finished. */
  onJobTimes?: ((times: { waitMs: number; runMs: number; priority: string }) => void) | undefined;
}

/** Counters of a {@link QueueExecutor}, read by health and `/metrics`. */
export interface QueueExecutorStats {
  /** Jobs waiting in the shared queue (all relays). */
  queued: number;
  /** Most jobs that may wait (`Infinity` without `maxQueue`). */
  maxQueue: number;
  /** Worker processes online (heartbeats). */
  workers: number;
  /** Jobs running now (all workers). */
  busy: number;
  /** The last {@link QueueSnapshot}, when one was read. */
  snapshot: QueueSnapshot | undefined;
  /** Executions of this relay waiting for their job's result. */
  waiting: number;
  /** Why the queue cannot take work now (Redis down, no workers), if it cannot. */
  unavailableReason: string | undefined;
}

/** The queue Executor: executions go to a BullMQ queue on Redis, run by `relay-server worker` processes. */
export interface QueueExecutor extends Executor {
  /** Resolves once Redis answered and the event listener runs. @throws when Redis cannot be reached in `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** A snapshot of the counters (refreshed every `snapshotIntervalMs`). */
  stats(): QueueExecutorStats;
  /** Closes the connections; waiting executions reject with ExecutorUnavailableError. */
  close(): Promise<void>;
}

interface Waiter {
  task: ExecutionTask;
  onEvent: ((event: ExecutorEvent) => void) | undefined;
  resolve(result: ExecutionResult): void;
  reject(error: unknown): void;
  /** When the job was queued (relay clock). @unit epoch milliseconds */
  queuedAt: number;
  /** When a worker started it (worker clock). @unit epoch milliseconds */
  startedAt?: number;
  /** Whether `queued` was reported (it must come before `started`). */
  queuedReported: boolean;
  lastPoll: number;
}

/** `promise`, or an Error naming `what` once `ms` have passed (core's withTimeBound). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeBound(promise, ms, () => new Error(`${what} took longer than ${ms} ms`));
}

/**
 * Creates the queue Executor. Each execution is admitted by the fair-share scheduler (queue and
 * per-user limits checked before anything is queued), its module bytes handed off to Redis by
 * CID, then queued as a BullMQ job whose priority orders it by class (`high`, `normal`, `low`)
 * and, within the class, by the user's fair-share tag. The relay follows the job through
 * BullMQ's event stream (`execution_queued` with the real position, `execution_started` naming
 * the worker, again on a rerun, progress) and returns the worker's result.
 *
 * `execute` throws {@link ExecutorUnavailableError} while Redis is unreachable, no worker is
 * online, or the queue (503) or the caller's lane (429, `perCaller`) is full; when `signal`
 * aborts it withdraws the waiting job or tells the worker running it to stop, and resolves
 * with a failed result of code `cancelled`.
 */
export function createQueueExecutor(options: QueueExecutorOptions): QueueExecutor {
  const layout = queueLayout(options);
  const retryAfterMs = options.retryAfterMs ?? 1000;
  const redisTimeoutMs = options.redisTimeoutMs ?? 2000;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const requireWorkers = options.requireWorkers ?? true;
  let redisProblem: string | undefined = "not connected yet";
  // Commands fail at once while disconnected (no offline queue): a request is refused, never parked.
  const redis = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on("error", (error: Error) => {
    redisProblem = error.message || "connection error";
  });
  redis.on("close", () => {
    redisProblem ??= "connection closed";
  });
  redis.on("ready", () => {
    redisProblem = undefined;
  });
  const queue = new Queue<ExecutionJobData, ExecutionResult>(layout.queueName, {
    connection: redis,
    prefix: layout.prefix,
  });
  queue.on("error", () => {});
  const events = new QueueEvents(layout.queueName, {
    connection: { ...redisOptionsOf(options.redisUrl), maxRetriesPerRequest: null },
    prefix: layout.prefix,
  });
  events.on("error", () => {});
  const handOff = createModuleHandOff({ redis, layout });
  const waiters = new Map<string, Waiter>();
  let snapshot: QueueSnapshot | undefined;
  /** When a snapshot last counted a worker online (epoch ms). */
  let workersSeenAt = Number.NEGATIVE_INFINITY;
  let closed = false;
  /**
   * No worker online, for longer than a heartbeat's expiry: right after Redis restarts, the
   * workers' heartbeats come back within seconds, and the jobs queued meanwhile wait for them.
   */
  const noWorkers = () =>
    requireWorkers &&
    snapshot !== undefined &&
    snapshot.workersOnline === 0 &&
    Date.now() - workersSeenAt > HEARTBEAT_EXPIRY_MS;

  const finish = (jobId: string, settle: (waiter: Waiter) => void) => {
    const waiter = waiters.get(jobId);
    if (!waiter) return;
    waiters.delete(jobId);
    settle(waiter);
  };
  const complete = (jobId: string, result: ExecutionResult) =>
    finish(jobId, (waiter) => {
      if (waiter.startedAt !== undefined) {
        options.onJobTimes?.({
          waitMs: Math.max(0, waiter.startedAt - waiter.queuedAt),
          runMs: result.durationMs,
          priority: waiter.task.priority ?? "normal",
        });
      }
      waiter.resolve(result);
    });
  const fail = (jobId: string, reason: string) =>
    finish(jobId, (waiter) =>
      waiter.reject(
        new ExecutorUnavailableError(`the queued execution failed: ${reason}`, retryAfterMs),
      ),
    );

  events.on("progress", ({ jobId, data }) => {
    const waiter = waiters.get(jobId);
    const progress = data as ExecutionJobProgress;
    if (!waiter || typeof progress !== "object" || progress === null) return;
    if (!waiter.queuedReported) {
      // A worker took the job before its position was read: it was first in line.
      waiter.queuedReported = true;
      waiter.onEvent?.({ type: "queued", position: 1 });
    }
    if (progress.kind === "started") {
      waiter.startedAt ??= progress.startedAt;
      waiter.onEvent?.({
        type: "started",
        executorNode: progress.executorNode,
        attempt: progress.attempt,
        remote: true,
      });
    } else if (progress.kind === "progress") {
      waiter.onEvent?.({ type: "progress", progress: progress.progress });
    }
  });
  events.on("completed", ({ jobId, returnvalue }) =>
    complete(jobId, returnvalue as unknown as ExecutionResult),
  );
  events.on("failed", ({ jobId, failedReason }) => fail(jobId, failedReason));

  /** Reads the job of each execution that has waited a poll interval without news. */
  const poll = async () => {
    const now = Date.now();
    for (const [jobId, waiter] of waiters) {
      if (now - waiter.lastPoll < pollIntervalMs) continue;
      waiter.lastPoll = now;
      try {
        const job = await Job.fromId<ExecutionJobData, ExecutionResult>(queue, jobId);
        if (!job) fail(jobId, "the job disappeared from the queue");
        else if (job.finishedOn && job.failedReason) fail(jobId, job.failedReason);
        else if (job.finishedOn && job.returnvalue) complete(jobId, job.returnvalue);
      } catch {
        // Redis is away: the next poll tries again.
      }
    }
  };
  /**
   * A relay that died between admitting a job and adding it leaves an admission behind: the
   * oldest admission, when older than a minute and without a BullMQ job, is withdrawn.
   */
  const sweep = async () => {
    const [jobId, since] = await redis.zrange(layout.waitingSinceKey, 0, 0, "WITHSCORES");
    if (jobId === undefined || Date.now() - Number(since) < 60_000) return;
    if ((await redis.exists(`${layout.prefix}:${layout.queueName}:${jobId}`)) === 0)
      await leaveLane(redis, layout, jobId);
  };
  const refresh = async () => {
    if (redis.status !== "ready") return;
    try {
      snapshot = await withTimeout(
        readQueueSnapshot(queue, redis, layout),
        redisTimeoutMs,
        "reading the queue",
      );
      if (snapshot.workersOnline > 0) workersSeenAt = snapshot.readAt;
      await sweep();
    } catch {
      // kept: the previous snapshot, and redisProblem says why
    }
    await poll();
  };
  const timer = setInterval(() => void refresh(), options.snapshotIntervalMs ?? 1000);
  timer.unref();

  const unavailable = (message: string) => new ExecutorUnavailableError(message, retryAfterMs);
  // Before the job exists anywhere: the work may safely run elsewhere (RELAY_QUEUE_FALLBACK).
  const unreachable = (message: string) =>
    new ExecutorUnavailableError(message, retryAfterMs, { unreachable: true });

  /**
   * After `startWithinMs`, removes the job if it is still waiting (a job a worker holds cannot
   * be removed: it runs now) and rejects its call with ExecutorUnavailableError: a later start
   * could outlast the run's idempotency lease (see ExecutorRunOptions.startWithinMs).
   */
  function withdrawIfNotStarted(jobId: string, startWithinMs: number | undefined) {
    if (startWithinMs === undefined || !Number.isFinite(startWithinMs)) return undefined;
    const timer = setTimeout(
      () => {
        if (waiters.get(jobId)?.startedAt !== undefined) return;
        queue.remove(jobId).then(
          async (removed) => {
            const waiter = waiters.get(jobId);
            if (removed !== 1 || !waiter) return;
            waiters.delete(jobId);
            await leaveLane(redis, layout, jobId).catch(() => false);
            waiter.reject(
              unavailable(
                `the job did not start in time (${Math.max(0, Math.round(startWithinMs))} ms after it was queued): a later start could outlast its idempotency lease`,
              ),
            );
          },
          () => {},
        );
      },
      Math.max(0, startWithinMs),
    );
    timer.unref();
    return timer;
  }

  async function execute(
    task: ExecutionTask,
    runOptions: ExecutorRunOptions = {},
  ): Promise<ExecutionResult> {
    const { signal } = runOptions;
    const startBy =
      runOptions.startWithinMs === undefined ? undefined : Date.now() + runOptions.startWithinMs;
    // A throwing listener must not break the executor's bookkeeping.
    const onEvent = advisoryEventListener(runOptions.onEvent);
    if (closed) throw unavailable("the queue executor is closed");
    if (redisProblem !== undefined || redis.status !== "ready")
      throw unreachable(
        `the execution queue's Redis is unavailable: ${redisProblem ?? redis.status}`,
      );
    if (noWorkers()) throw unreachable("no queue worker is online (relay-server worker)");
    if (signal?.aborted) return cancelledResult(0, "before it was queued");

    const jobId = randomUUID();
    const priority = task.priority ?? "normal";
    const userId = task.userId ?? "anonymous";
    try {
      await withTimeout(
        handOff.offer(task.module.cid, task.module.bytes),
        redisTimeoutMs,
        "the module hand-off",
      );
    } catch (error) {
      throw unreachable(`the execution queue's Redis is unavailable: ${(error as Error).message}`);
    }
    // Measured before admission, which records the job's start on Redis' clock: errs short.
    const startWithinMs = startBy === undefined ? undefined : startBy - Date.now();
    let admission: Awaited<ReturnType<typeof admitJob>>;
    try {
      admission = await withTimeout(
        admitJob(
          redis,
          layout,
          { id: jobId, userId, priority },
          {
            maxQueue: options.maxQueue,
            maxPerUser: options.maxQueuePerUser,
          },
        ),
        redisTimeoutMs,
        "admission",
      );
    } catch (error) {
      throw unreachable(`the execution queue's Redis is unavailable: ${(error as Error).message}`);
    }
    if (!admission.admitted) {
      if (admission.reason === "user_full") {
        throw new ExecutorUnavailableError(
          `you have ${admission.waiting} executions queued, the most allowed (RELAY_QUEUE_MAX_PER_USER)`,
          retryAfterMs,
          { perCaller: true },
        );
      }
      throw unavailable(
        `the execution queue is full (${admission.depth} waiting, RELAY_QUEUE_MAX)`,
      );
    }

    const queuedAt = Date.now();
    const data: ExecutionJobData = {
      requestId: task.requestId,
      cid: task.module.cid,
      inputs: task.inputs,
      ...(task.entry !== undefined ? { entry: task.entry } : {}),
      ...(task.abi !== undefined ? { abi: task.abi } : {}),
      policy: task.policy,
      priority,
      userId,
      fairTag: admission.tag,
      ...(task.idempotency ? { idempotency: task.idempotency } : {}),
      ...(task.deterministic !== undefined ? { deterministic: task.deterministic } : {}),
      ...(task.seed !== undefined ? { seed: task.seed } : {}),
      queuedAt,
      ...(startWithinMs !== undefined ? { startWithinMs, admittedAt: admission.admittedAt } : {}),
    };
    const result = new Promise<ExecutionResult>((resolve, reject) => {
      waiters.set(jobId, {
        task,
        onEvent,
        resolve,
        reject,
        lastPoll: queuedAt,
        queuedAt,
        queuedReported: false,
      });
    });
    try {
      await withTimeout(
        queue.add(EXECUTION_JOB_NAME, data, {
          jobId,
          priority: jobPriority(priority, admission.tag),
          attempts: 1,
          removeOnComplete: { age: 3600, count: 10_000 },
          removeOnFail: { age: 24 * 3600, count: 10_000 },
        }),
        redisTimeoutMs,
        "queueing the job",
      );
    } catch (error) {
      waiters.delete(jobId);
      await leaveLane(redis, layout, jobId).catch(() => false);
      throw unavailable(`the execution queue's Redis is unavailable: ${(error as Error).message}`);
    }
    const reportQueued = (position: number) => {
      const waiter = waiters.get(jobId);
      if (!waiter || waiter.queuedReported) return;
      waiter.queuedReported = true;
      onEvent?.({ type: "queued", position: Math.max(1, position) });
    };
    jobPosition(redis, layout, jobId).then(reportQueued, () => reportQueued(1));

    const onAbort = () => {
      const waiter = waiters.get(jobId);
      if (!waiter) return;
      waiters.delete(jobId);
      const started = waiter.startedAt !== undefined;
      // A waiting job is removed; a running (locked) one cannot be: its worker is told to stop.
      void queue
        .remove(jobId)
        .then(async (removed) => {
          if (removed === 1) await leaveLane(redis, layout, jobId);
          else await redis.publish(layout.cancelChannel, jobId);
        })
        .catch(() => redis.publish(layout.cancelChannel, jobId).catch(() => 0));
      waiter.resolve(
        cancelledResult(Date.now() - queuedAt, started ? "while it ran" : "while it was queued"),
      );
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const startTimer = withdrawIfNotStarted(
      jobId,
      startBy === undefined ? undefined : startBy - Date.now(),
    );
    try {
      return await result;
    } finally {
      clearTimeout(startTimer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    execute,
    async ready(timeoutMs = 5000) {
      await withTimeout(
        (async () => {
          if (redis.status !== "ready")
            await new Promise((resolve) => redis.once("ready", resolve));
          await events.waitUntilReady();
          await refresh();
        })(),
        timeoutMs,
        "connecting to the execution queue's Redis",
      );
    },
    stats() {
      const reason =
        redisProblem !== undefined
          ? `queue: Redis is unavailable (${redisProblem}); new executions are refused with 503`
          : noWorkers()
            ? "queue: no worker process is online (relay-server worker); new executions are refused with 503"
            : undefined;
      return {
        queued: snapshot?.depth ?? 0,
        maxQueue: options.maxQueue ? options.maxQueue : Number.POSITIVE_INFINITY,
        workers: snapshot?.workersOnline ?? 0,
        busy: snapshot?.jobs.active ?? 0,
        snapshot,
        waiting: waiters.size,
        unavailableReason: reason,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const [jobId] of waiters) fail(jobId, "the relay is shutting down");
      await Promise.allSettled([events.close(), queue.close()]);
      redis.disconnect();
    },
  };
}
