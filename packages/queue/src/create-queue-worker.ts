import { availableParallelism, hostname } from "node:os";
import type { ExecutionResult, ExecutionTask } from "@wasm-relay/core";
import {
  createSandboxExecutor,
  type SandboxExecutor,
  type SandboxExecutorOptions,
} from "@wasm-relay/sandbox";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { cancelledResult } from "./cancelled-result.js";
import type { ExecutionJobData, ExecutionJobProgress } from "./execution-job.js";
import { leaveLane } from "./fair-share.js";
import { createModuleLoader } from "./module-hand-off.js";
import { type QueueLayoutOptions, queueLayout } from "./queue-layout.js";
import { redisOptionsOf } from "./redis-options.js";
import { startHeartbeats } from "./worker-heartbeats.js";

/** Default of `lockTimeMs`: a job of a lost worker runs again within this. @unit milliseconds */
export const DEFAULT_LOCK_TIME_MS = 10_000;

/**
 * Share of the lock time given to BullMQ's lock and to its stalled-job check interval each: a
 * lost job is moved back after at most both (80 %), the rest is margin.
 */
const LOCK_SHARE = 0.4;
/**
 * Share of the lock time between stalled-job checks. A dead worker's job moves back to waiting at
 * the first check after (1) its lock expired and (2) an earlier check after its last renewal marked
 * it; the check key a dead worker set last can make the survivors skip one check. Hence at most
 * max(lock, 2 × interval) + interval = 0.6 of the lock time, plus late timers and the new start.
 */
const STALLED_CHECK_SHARE = 0.2;

/** Options of {@link createQueueWorker}. */
export interface QueueWorkerOptions extends QueueLayoutOptions {
  /** The shared Redis (`REDIS_URL`). */
  redisUrl: string;
  /** Name of this worker process in `execution_started.executor_node` (`RELAY_NODE_NAME`). @default os.hostname() */
  nodeName?: string | undefined;
  /** Jobs run at once, each in a sandbox thread (`RELAY_WORKERS`). @default os.availableParallelism() */
  concurrency?: number | undefined;
  /**
   * Longest a job of a worker that died (`kill -9`, lost machine) waits before another worker
   * runs it (`RELAY_QUEUE_LOCK_TIME`): BullMQ's lock lasts 40 % of it and the stalled-job check
   * runs every 20 %, so the job is back in the queue within 60 % at worst, which leaves 40 % for
   * timers late on a busy machine and the new worker's start. The lock is renewed from the main thread while the module runs in a
   * sandbox thread, so a busy worker never loses it. @unit milliseconds @default 10000
   */
  lockTimeMs?: number | undefined;
  /** Options of the worker's own sandbox pool (`workers` is `concurrency`). */
  sandbox?: Omit<SandboxExecutorOptions, "workers" | "nodeName"> | undefined;
  /** Module bytes by CID when the relay's hand-off has none (the server's module sources); verified. */
  moduleFallback?: ((cid: string) => Promise<Uint8Array | undefined>) | undefined;
  /**
   * Records a finished result under the job's idempotency lease (the server writes its
   * idempotency store), so that the result outlives a relay that died waiting for it. Not
   * called for cancelled runs. Errors are reported to `log`, never fail the job.
   */
  recordResult?: ((job: ExecutionJobData, result: ExecutionResult) => Promise<void>) | undefined;
  /** Receives warnings. @default console.error */
  log?: ((message: string) => void) | undefined;
}

/** A running queue worker process's consumer. */
export interface QueueWorker {
  /** Its node name. */
  readonly nodeName: string;
  /** Resolves once it is connected and consuming. */
  ready(): Promise<void>;
  /** Jobs running now. */
  running(): number;
  /**
   * Stops taking jobs, lets the running ones finish (BullMQ's graceful close), stops the
   * sandbox and the heartbeats.
   */
  close(): Promise<void>;
}

/**
 * Creates a worker that consumes the execution queue: for each job it leaves the user's lane
 * (advancing the fair-share clock), fetches the module by CID (hand-off, then `moduleFallback`,
 * verified against the CID, cached), runs it in its own sandbox pool (compiled modules cached
 * per thread), reports `started` (with its attempt number, so that a rerun is announced) and
 * progress through BullMQ's job progress, records the result under the idempotency lease, and
 * returns it. A relay's cancellation (pub/sub message with the job id) stops the run; the job
 * then completes with a `cancelled` result.
 * @throws RangeError when `concurrency` is not a positive integer.
 */
export function createQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const layout = queueLayout(options);
  const nodeName = options.nodeName ?? hostname();
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const lockTimeMs = options.lockTimeMs ?? DEFAULT_LOCK_TIME_MS;
  const log = options.log ?? ((message: string) => console.error(message));
  const connection = { ...redisOptionsOf(options.redisUrl), maxRetriesPerRequest: null };
  const redis = new Redis(connection);
  redis.on("error", () => {});
  const subscriber = new Redis(connection);
  subscriber.on("error", () => {});
  const sandbox: SandboxExecutor = createSandboxExecutor({
    progressIntervalMs: 250,
    ...options.sandbox,
    workers: concurrency,
    nodeName,
  });
  const modules = createModuleLoader({ redis, layout, fallback: options.moduleFallback });
  const running = new Map<string, AbortController>();
  const subscribed = subscriber.subscribe(layout.cancelChannel).catch(() => 0);
  subscriber.on("message", (_channel: string, jobId: string) => running.get(jobId)?.abort());

  async function process(job: Job<ExecutionJobData, ExecutionResult>): Promise<ExecutionResult> {
    const data = job.data;
    const controller = new AbortController();
    running.set(job.id!, controller);
    try {
      const { late } = await leaveLane(redis, layout, job.id!, {
        priority: data.priority,
        tag: data.fairTag,
        startWithinMs: data.startWithinMs,
        admittedAt: data.admittedAt,
      });
      if (late) {
        // Its relay withdraws such a job; when that relay is gone, this refusal keeps a run that
        // could outlast the caller's idempotency lease from starting at all.
        throw new UnrecoverableError(
          `the job started later than ${data.startWithinMs} ms after it was queued: refused, not run (a later start could outlast its idempotency lease)`,
        );
      }
      const bytes = await modules.load(data.cid);
      const task: ExecutionTask = {
        requestId: data.requestId,
        module: { cid: data.cid, bytes },
        inputs: data.inputs,
        entry: data.entry,
        abi: data.abi,
        policy: data.policy,
        priority: data.priority,
        userId: data.userId,
        deterministic: data.deterministic,
        seed: data.seed,
      };
      const report = (progress: ExecutionJobProgress) => {
        job.updateProgress(progress).catch(() => {});
      };
      let result: ExecutionResult;
      const began = performance.now();
      try {
        result = await sandbox.execute(task, {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type === "started") {
              report({
                kind: "started",
                executorNode: event.executorNode,
                attempt: job.attemptsStarted,
                startedAt: Date.now(),
              });
            } else if (event.type === "progress") {
              report({ kind: "progress", progress: event.progress });
            }
          },
        });
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        return cancelledResult(performance.now() - began, `on ${nodeName}`);
      }
      if (options.recordResult) {
        await options.recordResult(data, result).catch((error: unknown) => {
          log(
            `warning: queue worker ${nodeName}: recording the result of ${job.id} failed: ${String(error)}`,
          );
        });
      }
      return result;
    } finally {
      running.delete(job.id!);
    }
  }

  const worker = new Worker<ExecutionJobData, ExecutionResult>(layout.queueName, process, {
    connection,
    prefix: layout.prefix,
    concurrency,
    lockDuration: Math.ceil(lockTimeMs * LOCK_SHARE),
    stalledInterval: Math.ceil(lockTimeMs * STALLED_CHECK_SHARE),
    maxStalledCount: 1,
    name: nodeName,
  });
  worker.on("error", (error) => log(`warning: queue worker ${nodeName}: ${error.message}`));
  const stopHeartbeats = startHeartbeats(redis, layout, nodeName);

  return {
    nodeName,
    async ready() {
      await worker.waitUntilReady();
      await subscribed;
    },
    running: () => running.size,
    async close() {
      await worker.close();
      await stopHeartbeats();
      await sandbox.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
