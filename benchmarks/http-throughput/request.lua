-- wrk script: POSTs the calculator request with distinct inputs per request (a counter per
-- connection thread, offset by BENCH_OFFSET), or, with BENCH_IDEMPOTENCY_KEY set, the same body
-- and key on every request (the replay path), or, with BENCH_FN set, the bare arguments `[a,b]`
-- to the function endpoint /fn/calculator@quantum/main (distinct per request, no content type).
-- Prints one machine-readable line when done.
local user = os.getenv("BENCH_USER") or "bench"
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local key = os.getenv("BENCH_IDEMPOTENCY_KEY")
local fn = os.getenv("BENCH_FN")
local counter = 0

wrk.method = "POST"
if fn then
  wrk.path = "/fn/calculator@quantum/main"
else
  wrk.path = "/intent/execute-wasm"
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["user_id"] = user
if key then
  wrk.headers["Idempotency-Key"] = key
  wrk.body = '{"cid":"glyph://calculator@quantum","inputs":[1,2]}'
end

request = function()
  if key then
    return wrk.request()
  end
  counter = counter + 1
  if fn then
    return wrk.format(nil, nil, nil, string.format("[%d,%d]", offset + counter, counter % 1000))
  end
  local body = string.format('{"cid":"glyph://calculator@quantum","inputs":[%d,%d]}', offset + counter, counter % 1000)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status, errors.connect + errors.read + errors.write, errors.timeout))
end
