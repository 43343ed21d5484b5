import { defineRedisScript } from "../redis/redis-script.js";

/**
 * Publishes a glyph tag atomically. KEYS: owner string, tags hash. ARGV: user, tag, cid.
 * Replies `{0, owner}` when another user owns the name, else `{1, claimed (0|1), previous or ""}`.
 */
export const GLYPH_PUBLISH_SCRIPT = defineRedisScript(
  "glyph-publish",
  `local owner = redis.call("GET", KEYS[1])
if owner and owner ~= ARGV[1] then
  return {0, owner}
end
local claimed = 0
if not owner then
  redis.call("SET", KEYS[1], ARGV[1])
  claimed = 1
end
local previous = redis.call("HGET", KEYS[2], ARGV[2])
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
return {1, claimed, previous or ""}
`,
);
