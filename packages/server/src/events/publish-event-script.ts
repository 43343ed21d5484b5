import { defineRedisScript } from "../redis/redis-script.js";

/**
 * Appends events to their streams, in order, and keeps each stream bounded, remembering the
 * newest id it trimmed so that a resume can tell exactly whether events after a given id were
 * lost. One call carries every event the bus was handed in one tick (an execution's `requested`
 * and `execution_queued`, its `execution_complete` and `completed`): one round trip for them all.
 *
 * `XADD … MAXLEN ~` would bound the stream as well, but it does not say which entries it dropped,
 * and an exact "was anything after this id lost?" needs that. So the script adds without
 * trimming and, once the stream holds `batch` entries more than `retention`, reads the ids of the
 * excess, records the newest of them and trims to exactly `retention` (amortised O(1) per event).
 *
 * KEYS[2i-1] the stream of event i, KEYS[2i] the string holding that stream's newest trimmed id.
 * ARGV[1] retention (entries), ARGV[2] batch (entries, ≥ 1), ARGV[2+i] the JSON payload of event i.
 * Returns the new entries' ids, in order.
 */
const source = `
local retention = tonumber(ARGV[1])
local batch = tonumber(ARGV[2])
local ids = {}
for i = 1, #KEYS / 2 do
  local stream = KEYS[2 * i - 1]
  ids[i] = redis.call('XADD', stream, '*', 'payload', ARGV[i + 2])
  local excess = redis.call('XLEN', stream) - retention
  if excess >= batch then
    local doomed = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    redis.call('SET', KEYS[2 * i], doomed[#doomed][1])
    redis.call('XTRIM', stream, 'MAXLEN', retention)
  end
end
return ids
`;

/** The Lua script of `RedisEventBus.publish`: XADD each event, trim in batches with a watermark. */
export const PUBLISH_EVENTS_SCRIPT = defineRedisScript("publish-events", source);

/** Most events one script call carries (more are sent as further calls, in order). */
export const MOST_EVENTS_PER_CALL = 64;
