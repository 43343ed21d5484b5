import { defineRedisScript } from "../redis/redis-script.js";

/**
 * Appends one event to a stream and keeps the stream bounded, remembering the newest id it
 * trimmed so that a resume can tell exactly whether events after a given id were lost.
 *
 * `XADD … MAXLEN ~` would bound the stream as well, but it does not say which entries it dropped,
 * and an exact "was anything after this id lost?" needs that. So the script adds without
 * trimming and, once the stream holds `batch` entries more than `retention`, reads the ids of the
 * excess, records the newest of them and trims to exactly `retention` (amortised O(1) per event).
 *
 * KEYS[1] the stream, KEYS[2] the string holding the newest trimmed id.
 * ARGV[1] the JSON payload, ARGV[2] retention (entries), ARGV[3] batch (entries, ≥ 1).
 * Returns the new entry's id.
 */
const source = `
local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[1])
local retention = tonumber(ARGV[2])
local excess = redis.call('XLEN', KEYS[1]) - retention
if excess >= tonumber(ARGV[3]) then
  local doomed = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  redis.call('SET', KEYS[2], doomed[#doomed][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', retention)
end
return id
`;

/** The Lua script of `RedisEventBus.publish`: XADD, then trim in batches with a watermark. */
export const PUBLISH_EVENT_SCRIPT = defineRedisScript("publish-event", source);
