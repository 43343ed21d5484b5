-- Replaces the lease by the completed record, only if the caller's lease token still holds it
-- (a stale holder whose lease expired and was taken by another cannot overwrite).
-- KEYS[1]  the idempotency key
-- ARGV[1]  lease prefix: "L" .. lease token .. "\n"
-- ARGV[2]  record value: "C" .. record JSON
-- ARGV[3]  record time to live (ms)
-- Returns 1 when written, 0 when the lease was lost.
local current = redis.call("GET", KEYS[1])
if current and string.sub(current, 1, #ARGV[1]) == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
return 0
