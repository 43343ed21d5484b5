import type { RedisOptions } from "ioredis";

/**
 * ioredis options of a `redis://` or `rediss://` URL, for the connections BullMQ opens itself
 * (its blocking ones).
 * @throws TypeError when `url` is not a URL.
 */
export function redisOptionsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}
