import type { Redis } from "ioredis";
import { DEFAULT_REDIS_KEY_PREFIX } from "../redis/redis-key-prefix.js";
import { runRedisScript } from "../redis/redis-script.js";
import { GLYPH_PUBLISH_SCRIPT } from "./glyph-publish-script.js";
import { GLYPH_RESTORE_SCRIPT } from "./glyph-restore-script.js";
import type { RestorableGlyphRegistry } from "./operator-glyphs.js";
import { OPERATOR_USER_ID } from "./operator-user.js";

/** Options of {@link createRedisGlyphRegistry}. */
export interface RedisGlyphRegistryOptions {
  /** The Redis holding the registry (commands used: GET, HGET, HGETALL, MULTI, EVALSHA, EVAL). */
  redis: Pick<Redis, "get" | "hget" | "multi" | "evalsha" | "eval">;
  /** Prefix of every key written. @default "relay:" */
  keyPrefix?: string;
}

/**
 * A glyph:// registry on Redis, shared by every relay instance. Keys per name:
 * `<prefix>glyph:<name>:owner` (string) and `<prefix>glyph:<name>:tags` (hash tag → CID).
 * Publishing is one Lua script: the ownership check, the claim and the tag move are atomic; so
 * is giving a name back to the operator (`restoreOperatorGlyph`).
 * @throws the client's error when Redis fails.
 */
export function createRedisGlyphRegistry(
  options: RedisGlyphRegistryOptions,
): RestorableGlyphRegistry {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const ownerKey = (name: string) => `${prefix}glyph:${name}:owner`;
  const tagsKey = (name: string) => `${prefix}glyph:${name}:tags`;
  const { redis } = options;
  return {
    async lookup(name, tag) {
      return (await redis.hget(tagsKey(name), tag)) ?? undefined;
    },
    async get(name) {
      const replies = await redis.multi().get(ownerKey(name)).hgetall(tagsKey(name)).exec();
      if (!replies) throw new Error("glyph registry: the Redis transaction was aborted");
      for (const [error] of replies) if (error) throw error;
      const owner = replies[0]?.[1] as string | null;
      if (owner === null) return undefined;
      return { name, owner, tags: { ...(replies[1]?.[1] as Record<string, string>) } };
    },
    async publish({ name, tag, cid, userId }) {
      const reply = (await runRedisScript(
        redis,
        GLYPH_PUBLISH_SCRIPT,
        [ownerKey(name), tagsKey(name)],
        [userId, tag, cid],
      )) as [number, string | number, string?];
      if (reply[0] === 0) return { published: false, owner: String(reply[1]) };
      return {
        published: true,
        claimed: reply[1] === 1,
        previousCid: reply[2] ? reply[2] : undefined,
      };
    },
    async restoreOperatorGlyph({ name, tag, cid }) {
      const reply = (await runRedisScript(
        redis,
        GLYPH_RESTORE_SCRIPT,
        [ownerKey(name), tagsKey(name)],
        [OPERATOR_USER_ID, tag, cid],
      )) as [string, string];
      return { displacedOwner: reply[0] ? reply[0] : undefined };
    },
  };
}
