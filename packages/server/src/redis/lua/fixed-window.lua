-- Fixed window: one counter per aligned window. Cheap, but admits up to twice the limit
-- around a window boundary; offered as an option, never the default.
-- KEYS[1]  the counter (hash: start = window start in ms, count = requests admitted in it)
-- ARGV[1]  limit (requests per window)
-- ARGV[2]  window (ms)
-- ARGV[3]  now (ms), or "" to use the Redis server clock
-- ARGV[4]  unused (keeps the argument list of every rate-limit script alike)
-- ARGV[5]  extra time to keep the key beyond the window (ms)
-- Returns { allowed (1|0), remaining, reset (ms until the window ends) }.
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local time = redis.call("TIME")
  -- Whole milliseconds keep the window starts exact multiples of the window.
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local start = now - (now % window)
local state = redis.call("HMGET", key, "start", "count")
local count = 0
if tonumber(state[1]) == start then
  count = tonumber(state[2])
end
local allowed = 0
if count < limit then
  count = count + 1
  allowed = 1
  redis.call("HSET", key, "start", start, "count", count)
  redis.call("PEXPIRE", key, math.ceil(start + window - now) + tonumber(ARGV[5]))
end
return { allowed, math.max(0, limit - count), math.ceil(start + window - now) }
