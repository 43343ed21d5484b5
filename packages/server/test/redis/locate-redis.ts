import { pingRedis } from "./ping-redis.js";
import { hasRedisServerBinary, startRedisServer } from "./redis-server-process.js";

/** A Redis for tests that share one (each test uses key prefixes of its own). */
export interface LocatedRedis {
  /** Where to connect. */
  url: string;
  /** Where it came from: the `REDIS_URL` variable, the default port, or started for this run. */
  origin: "REDIS_URL" | "127.0.0.1:6379" | "started";
  /** Stops the server when this run started it; otherwise does nothing. */
  release(): Promise<void>;
}

const nothingToRelease = async () => {};

/**
 * Finds a Redis for tests: `REDIS_URL`, else a Redis answering at 127.0.0.1:6379, else a
 * `redis-server` started on a free port when the binary exists. When none is found the Redis
 * tests are to be skipped, with a loud message on stderr, unless `CI` is set: then it throws.
 * @returns `undefined` when no Redis is available (and `CI` is unset).
 * @throws Error when `CI` is set and no Redis is available.
 */
export async function locateRedis(): Promise<LocatedRedis | undefined> {
  const fromEnvironment = process.env.REDIS_URL;
  if (fromEnvironment) {
    return { url: fromEnvironment, origin: "REDIS_URL", release: nothingToRelease };
  }
  if (await pingRedis(6379)) {
    return { url: "redis://127.0.0.1:6379", origin: "127.0.0.1:6379", release: nothingToRelease };
  }
  if (hasRedisServerBinary()) {
    const server = await startRedisServer();
    return { url: server.url, origin: "started", release: () => server.stop() };
  }
  const message =
    "no Redis: REDIS_URL is unset, nothing answers at 127.0.0.1:6379 and redis-server is not installed";
  if (process.env.CI) throw new Error(`${message} (CI is set, so Redis tests must not be skipped)`);
  console.error(`\n${"!".repeat(100)}\n!! SKIPPING REDIS TESTS: ${message}.\n${"!".repeat(100)}\n`);
  return undefined;
}

/**
 * Whether tests that start their own `redis-server` (fault tests) can run. Without the binary
 * they are skipped loudly, unless `CI` is set: then it throws.
 * @throws Error when `CI` is set and `redis-server` is missing.
 */
export function canStartRedisServer(): boolean {
  if (hasRedisServerBinary()) return true;
  const message = "redis-server is not installed: fault tests that stop Redis cannot run";
  if (process.env.CI) throw new Error(`${message} (CI is set, so they must not be skipped)`);
  console.error(`\n${"!".repeat(100)}\n!! SKIPPING: ${message}.\n${"!".repeat(100)}\n`);
  return false;
}
