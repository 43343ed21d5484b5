-- Exact sliding window: a log of accepted request times in a sorted set.
-- Never admits more than `limit` requests in any interval of `window` milliseconds.
-- KEYS[1]  the log (sorted set: member = request id, score = accepted time in ms)
-- ARGV[1]  limit (requests per window)
-- ARGV[2]  window (ms)
-- ARGV[3]  now (ms), or "" to use the Redis server clock (instances with skewed clocks agree)
-- ARGV[4]  member for this request (unique per call)
-- ARGV[5]  extra time to keep the key beyond the window (ms)
-- Returns { allowed (1|0), remaining, reset (ms until the oldest counted request leaves the window
-- and frees its slot) }.
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local time = redis.call("TIME")
  -- Microsecond precision: a millisecond floor would let two times 299.1 ms apart look 300 apart.
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
local since = now - window

if limit < 1 then
  return { 0, 0, window }
end

-- Only the `limit` most recent accepted times matter: a request passes exactly when fewer than
-- `limit` were accepted, or the limit-th most recent has left the window.
local count = redis.call("ZCARD", key)
if count >= limit then
  local nth = redis.call("ZRANGE", key, -limit, -limit, "WITHSCORES")
  if tonumber(nth[2]) > since then
    return { 0, 0, math.ceil(tonumber(nth[2]) - since) }
  end
end

-- Passes: forget the times that left the window, record this one.
count = count - redis.call("ZREMRANGEBYSCORE", key, "-inf", since) + 1
redis.call("ZADD", key, now, ARGV[4])
redis.call("PEXPIRE", key, math.ceil(window + tonumber(ARGV[5])))
local oldest = redis.call("ZRANGE", key, 0, 0, "WITHSCORES")
return { 1, limit - count, math.ceil(tonumber(oldest[2]) - since) }
