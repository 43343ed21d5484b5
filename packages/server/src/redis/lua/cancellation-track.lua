-- Records one execution's state in a cancellation index (by request id or by scoped
-- idempotency key) and sets how long the index lives: at least `ttl` longer while another
-- execution in it runs, else exactly `ttl` (a finished entry is then forgotten on time).
-- KEYS[1]  the index: <prefix>cancellation:id:<request id> or <prefix>cancellation:key:<scoped key>
-- ARGV[1]  the execution's token (field)
-- ARGV[2]  state ("R" running, "F" finished) .. request id .. "\n" .. user id
-- ARGV[3]  ttl in milliseconds
-- Returns 1.
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[3])
local othersRun = false
if string.sub(ARGV[2], 1, 1) == "F" then
  local entries = redis.call("HGETALL", KEYS[1])
  for index = 2, #entries, 2 do
    if string.sub(entries[index], 1, 1) ~= "F" then
      othersRun = true
      break
    end
  end
else
  othersRun = true
end
if not othersRun or redis.call("PTTL", KEYS[1]) < ttl then
  redis.call("PEXPIRE", KEYS[1], ttl)
end
return 1
