/**
 * The scale-out Executor of wasm-relay: executions on a BullMQ queue on Redis (priorities,
 * per-user fair shares, admission limits, cancellation), consumed by worker processes.
 * @module @wasm-relay/queue
 */
export { cancelledResult } from "./cancelled-result.js";
export {
  createQueueExecutor,
  type QueueExecutor,
  type QueueExecutorOptions,
  type QueueExecutorStats,
} from "./create-queue-executor.js";
export {
  createQueueWorker,
  DEFAULT_LOCK_TIME_MS,
  type QueueWorker,
  type QueueWorkerOptions,
} from "./create-queue-worker.js";
export {
  EXECUTION_JOB_NAME,
  type ExecutionJobData,
  type ExecutionJobProgress,
} from "./execution-job.js";
export {
  type Admission,
  admitJob,
  type FairShareRedis,
  jobPosition,
  leaveLane,
} from "./fair-share.js";
export { jobPriority, PRIORITY_BAND } from "./job-priority.js";
export {
  createModuleHandOff,
  createModuleLoader,
  DEFAULT_HAND_OFF_TTL_MS,
  type ModuleHandOff,
  type ModuleLoader,
  type ModuleLoaderOptions,
  ModuleUnavailableError,
} from "./module-hand-off.js";
export { type QueueLayout, type QueueLayoutOptions, queueLayout } from "./queue-layout.js";
export { COUNTED_JOB_STATES, type QueueSnapshot, readQueueSnapshot } from "./queue-snapshot.js";
export {
  HEARTBEAT_EXPIRY_MS,
  HEARTBEAT_INTERVAL_MS,
  startHeartbeats,
  workersOnline,
} from "./worker-heartbeats.js";
