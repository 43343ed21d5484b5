-- Gives a lease up without a record, only if the caller's lease token still holds it.
-- KEYS[1]  the idempotency key
-- ARGV[1]  lease prefix: "L" .. lease token .. "\n"
-- Returns 1 when released, 0 when the token did not hold the key.
local current = redis.call("GET", KEYS[1])
if current and string.sub(current, 1, #ARGV[1]) == ARGV[1] then
  redis.call("DEL", KEYS[1])
  return 1
end
return 0
