-- Takes the lease on an idempotency key (SET NX PX), or returns what holds the key.
-- KEYS[1]  the idempotency key
-- ARGV[1]  lease value: "L" .. lease token .. "\n" .. fingerprint
-- ARGV[2]  lease time (ms)
-- Returns { "acquired" } or { "held", current value } (a lease "L…" or a completed record "C…").
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then
  return { "acquired" }
end
return { "held", redis.call("GET", KEYS[1]) }
