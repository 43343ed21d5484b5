import { availableParallelism } from "node:os";
import { type ExecutionResult, toResponse } from "@wasm-relay/core";
import { createQueueWorker, type ExecutionJobData, type QueueWorker } from "@wasm-relay/queue";
import {
  ConfigurationError,
  loadServerConfig,
  type ServerConfig,
} from "../config/server-config.js";
import { createModuleResolver } from "../modules/create-module-resolver.js";
import { defaultModuleDirectory } from "../modules/default-module-directory.js";
import { createRedisClient } from "../redis/create-redis-client.js";
import { createRedisIdempotencyStore } from "../redis/redis-idempotency-store.js";
import { redisLeaseToken } from "../stores/fallback-idempotency-store.js";
import { queueLocation } from "./queue-location.js";

const USAGE = `usage:
  relay-server worker          consume the execution queue of RELAY_EXECUTOR=queue relays
  relay-server worker --help   show this text

A worker runs queued executions in its own sandbox pool. It is configured by the environment:
  REDIS_URL               the Redis the relays queue on (required)
  RELAY_NODE_NAME         this worker's name in execution_started.executor_node (default: relay)
  RELAY_WORKERS           sandbox threads = jobs run at once (default: the number of cores)
  RELAY_QUEUE_LOCK_TIME   a lost worker's job runs again within this many ms (default: 10000)
  RELAY_QUEUE_NAME, RELAY_QUEUE_PREFIX, REDIS_KEY_PREFIX   must match the relays'
  RELAY_MODULE_DIR, RELAY_MODULE_STORE_DIR, RELAY_IPFS_GATEWAYS   where modules are found when
                          the relay's hand-off (in Redis, by CID) has them no longer
Modules are verified against their CID. SIGTERM or Ctrl-C finishes the running jobs, then exits.
See docs/scaling.md.`;

/**
 * Starts a queue worker from the server's configuration: the module sources of the server
 * (directory, store, gateways) behind the relays' hand-off, and the Redis idempotency store,
 * under which each result is recorded as the relay would record it.
 * @throws ConfigurationError when `REDIS_URL` is missing.
 */
export async function startQueueWorker(
  config: ServerConfig,
  options: { log?: (message: string) => void } = {},
): Promise<QueueWorker & { closeAll(): Promise<void> }> {
  const log = options.log ?? ((message: string) => console.error(message));
  if (config.REDIS_URL === undefined)
    throw new ConfigurationError([
      "REDIS_URL: relay-server worker requires REDIS_URL (the queue's Redis)",
    ]);
  const resolver = await createModuleResolver({
    moduleDirectory: config.RELAY_MODULE_DIR ?? defaultModuleDirectory(),
    storeDirectory: config.RELAY_MODULE_STORE_DIR,
    gateways: config.RELAY_IPFS_GATEWAYS,
    gatewayTimeoutMs: config.RELAY_GATEWAY_TIMEOUT,
    maxModuleBytes: config.RELAY_MAX_MODULE_BYTES,
    cacheBytes: config.RELAY_MODULE_CACHE_BYTES,
    log,
  });
  const redis = createRedisClient(config.REDIS_URL, {
    commandTimeoutMs: config.RELAY_REDIS_TIMEOUT,
  });
  const idempotency = createRedisIdempotencyStore({ redis, keyPrefix: config.REDIS_KEY_PREFIX });
  const recordResult = async (job: ExecutionJobData, result: ExecutionResult) => {
    // A lease the relay holds in memory (Redis was down) is the relay's alone to complete.
    const leaseToken = job.idempotency && redisLeaseToken(job.idempotency.leaseToken);
    if (!job.idempotency || leaseToken === undefined) return;
    await idempotency.complete(
      job.idempotency.key,
      leaseToken,
      {
        fingerprint: job.requestId,
        response: toResponse(result, job.requestId, job.cid, Date.now()),
      },
      job.idempotency.ttlMs,
    );
  };
  const worker = createQueueWorker({
    redisUrl: config.REDIS_URL,
    ...queueLocation(config),
    nodeName: config.RELAY_NODE_NAME,
    concurrency: config.RELAY_WORKERS ?? availableParallelism(),
    lockTimeMs: config.RELAY_QUEUE_LOCK_TIME,
    moduleFallback: async (cid) => {
      try {
        return (await resolver.resolve(cid)).bytes;
      } catch {
        return undefined;
      }
    },
    recordResult,
    log,
  });
  return Object.assign(worker, {
    async closeAll() {
      await worker.close();
      redis.disconnect();
    },
  });
}

/**
 * `relay-server worker`: consumes the queue until SIGTERM or SIGINT, then lets running jobs
 * finish and exits.
 * @param args the arguments after `worker`.
 * @returns the exit code: 0 after a clean stop or `--help`, 64 usage error, 78 bad configuration.
 */
export async function runWorkerCommand(
  args: readonly string[],
  environment: Record<string, string | undefined>,
): Promise<number> {
  if (args.includes("--help") || args.includes("-h") || args[0] === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(
      `relay-server worker: unexpected argument ${JSON.stringify(args[0])}\n${USAGE}\n`,
    );
    return 64;
  }
  let worker: Awaited<ReturnType<typeof startQueueWorker>>;
  try {
    const config = loadServerConfig(environment);
    worker = await startQueueWorker(config);
    await worker.ready();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`relay-server worker: ${error.message}`);
      return 78;
    }
    throw error;
  }
  console.error(`relay-server worker: ${worker.nodeName} consuming the execution queue`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.error(`relay-server worker: ${signal} received, finishing running jobs`);
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await worker.closeAll();
  return 0;
}
