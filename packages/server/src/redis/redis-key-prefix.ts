/** Prefix of every Redis key the relay writes, so that it can share a Redis with others. */
export const DEFAULT_REDIS_KEY_PREFIX = "relay:";
