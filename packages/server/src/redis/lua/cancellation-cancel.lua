-- Marks the matching running executions of one cancellation index as cancelling and publishes
-- each one's token on the cancellation channel, where the relay that tracked it listens.
-- KEYS[1]  the index: <prefix>cancellation:id:<request id> or <prefix>cancellation:key:<scoped key>
-- ARGV[1]  the caller's user id
-- ARGV[2]  "1" when the caller may cancel every user's executions, else "0"
-- ARGV[3]  the channel
-- Returns { cancelling count, finished count, request id of each cancelling one...,
--           request id of each finished one... }.
local entries = redis.call("HGETALL", KEYS[1])
local cancelling = {}
local finished = {}
for index = 1, #entries, 2 do
  local token = entries[index]
  local value = entries[index + 1]
  local state = string.sub(value, 1, 1)
  local newline = string.find(value, "\n", 2, true)
  if newline then
    local requestId = string.sub(value, 2, newline - 1)
    local user = string.sub(value, newline + 1)
    if ARGV[2] == "1" or user == ARGV[1] then
      if state == "F" then
        finished[#finished + 1] = requestId
      else
        cancelling[#cancelling + 1] = requestId
        if state == "R" then
          redis.call("HSET", KEYS[1], token, "C" .. string.sub(value, 2))
          redis.call("PUBLISH", ARGV[3], token)
        end
      end
    end
  end
end
local reply = { #cancelling, #finished }
for _, requestId in ipairs(cancelling) do reply[#reply + 1] = requestId end
for _, requestId in ipairs(finished) do reply[#reply + 1] = requestId end
return reply
