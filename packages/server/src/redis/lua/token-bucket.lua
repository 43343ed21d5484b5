-- Token bucket: `limit` tokens, refilled continuously at `limit` per `window`; a request takes one.
-- Allows bursts of up to `limit`, then a steady `limit / window` rate.
-- KEYS[1]  the bucket (hash: tokens = tokens left, at = time of the last update in ms)
-- ARGV[1]  limit (bucket size, and tokens refilled per window)
-- ARGV[2]  window (ms)
-- ARGV[3]  now (ms), or "" to use the Redis server clock
-- ARGV[4]  unused (keeps the argument list of every rate-limit script alike)
-- ARGV[5]  extra time to keep the key beyond a full refill (ms)
-- Returns { allowed (1|0), remaining (whole tokens left), reset (ms until the next whole token is
-- back; 0 when the bucket is full) }.
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local time = redis.call("TIME")
  -- Microsecond precision: a millisecond floor would let two times 299.1 ms apart look 300 apart.
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end

local per_ms = limit / window
local state = redis.call("HMGET", key, "tokens", "at")
local tokens = limit
local at = now
if state[1] then
  tokens = tonumber(state[1])
  at = tonumber(state[2])
end
tokens = math.min(limit, tokens + (now - at) * per_ms)

local allowed = 0
local left = tokens
if tokens >= 1 then
  allowed = 1
  left = tokens - 1
end
-- Redis writes Lua numbers with %.17g: the stored state is exactly what was computed.
redis.call("HSET", key, "tokens", left, "at", now)
redis.call("PEXPIRE", key, math.ceil(window + tonumber(ARGV[5])))

local reset = 0
if left < limit then
  reset = math.ceil((math.floor(left) + 1 - left) / per_ms)
end
return { allowed, math.floor(left), reset }
