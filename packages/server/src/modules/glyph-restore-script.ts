import { defineRedisScript } from "../redis/redis-script.js";

/**
 * Re-establishes an operator tag atomically. KEYS: owner string, tags hash. ARGV: operator
 * owner, tag, cid. When another owner holds the name (claimed while the operator's names were
 * gone, e.g. after a Redis restart), its claim and all its tags are dropped first.
 * Replies `{displaced owner or "", previous cid or ""}`.
 */
export const GLYPH_RESTORE_SCRIPT = defineRedisScript(
  "glyph-restore",
  `local owner = redis.call("GET", KEYS[1])
local displaced = ""
if owner and owner ~= ARGV[1] then
  displaced = owner
  redis.call("DEL", KEYS[2])
end
redis.call("SET", KEYS[1], ARGV[1])
local previous = redis.call("HGET", KEYS[2], ARGV[2])
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
return {displaced, previous or ""}
`,
);
