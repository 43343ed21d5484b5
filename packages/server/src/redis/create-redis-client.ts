import { Redis } from "ioredis";

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** Longest a command may wait for its reply before it fails. @unit milliseconds @default 100 */
  commandTimeoutMs?: number;
  /** Longest wait between reconnection attempts while Redis is away. @unit milliseconds @default 500 */
  maxReconnectDelayMs?: number;
  /** Called with each connection error (the client handles them; this is for logs). */
  onError?: (error: Error) => void;
}

/**
 * An ioredis client for shared state that never makes a request wait on an absent Redis:
 * commands fail at once while disconnected (no offline queue, no retries of a command), a command
 * fails after `commandTimeoutMs`, and the client reconnects by itself forever (every
 * `maxReconnectDelayMs` at most). Connection errors are handled, never thrown at the process.
 * @param url `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS.
 * @throws TypeError when `url` is not a redis:// or rediss:// URL.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError(`Redis URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new TypeError(
      `Redis URL must start with redis:// or rediss://, got ${JSON.stringify(url)}`,
    );
  }
  const maxDelay = options.maxReconnectDelayMs ?? 500;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 100,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(50 * attempt, maxDelay),
    lazyConnect: false,
  });
  client.on("error", (error: Error) => options.onError?.(error));
  return client;
}
