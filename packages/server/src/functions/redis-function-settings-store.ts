import type { Redis } from "ioredis";
import { DEFAULT_REDIS_KEY_PREFIX } from "../redis/redis-key-prefix.js";
import { type FunctionSettings, functionSettingsSchema } from "./function-settings.js";
import type { FunctionSettingsStore } from "./function-settings-store.js";

/**
 * Keeps function settings in Redis, beside the glyph registry: one hash per name,
 * `<prefix>glyph:<name>:functions` (tag → settings as JSON), so that every relay on the same
 * Redis serves a tag the same way. What is read back is parsed again: a value that no longer
 * matches the schema counts as no settings. Unbounded here (Redis `maxmemory` bounds it): it always
 * has room.
 */
export function createRedisFunctionSettingsStore(options: {
  redis: Pick<Redis, "hget" | "hset" | "hdel" | "hgetall">;
  /** Prefix of every key. @default "relay:" */
  keyPrefix?: string | undefined;
}): FunctionSettingsStore {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const key = (name: string) => `${prefix}glyph:${name}:functions`;
  const parse = (text: string | null | undefined): FunctionSettings | undefined => {
    if (text === null || text === undefined) return undefined;
    try {
      const parsed = functionSettingsSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async get(name, tag) {
      return parse(await options.redis.hget(key(name), tag));
    },
    async set(name, tag, settings) {
      if (settings === undefined) await options.redis.hdel(key(name), tag);
      else await options.redis.hset(key(name), tag, JSON.stringify(settings));
    },
    async list(name) {
      const entries: Record<string, FunctionSettings> = {};
      for (const [tag, text] of Object.entries(await options.redis.hgetall(key(name)))) {
        const settings = parse(text);
        if (settings) entries[tag] = settings;
      }
      return entries;
    },
    async hasRoom() {
      return true;
    },
  };
}
