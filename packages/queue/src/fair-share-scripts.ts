/**
 * Admission of one job (one atomic script): refuses it when the queue or the user's lane is
 * full, else gives it its fair-share start tag. The tag is start-time fair queueing with unit
 * cost: `max(virtual clock of its class, the user's last tag)`; the user's next tag is one more.
 * The queue's depth is the number of admitted jobs that have not started (atomic with the check).
 * A user whose backlog is long thus holds tags far ahead of the clock, while a newcomer starts at
 * the clock: its jobs interleave with the backlog instead of waiting behind it. When nothing
 * waits at all, clocks and tags start over (they never grow without bound while the queue
 * drains now and then).
 *
 * KEYS: prioritized set, wait list, fair hash, pending hash, user-waiting hash, waiting-since set.
 * ARGV: user, class, job id, queue maximum (0: none), per-user maximum (0: none).
 * Returns `{ tag, depth, admittedAt }` (admittedAt: Redis' clock, ms), or `{ -1, depth }` (queue
 * full), `{ -2, waiting }` (user's lane full).
 */
export const FAIR_ADMIT_SCRIPT = `
-- Admitted jobs that have not started: also those admitted but not yet added to BullMQ, so
-- that concurrent admissions on several relays cannot overshoot the limit.
local depth = redis.call("ZCARD", KEYS[6])
if depth == 0 and redis.call("ZCARD", KEYS[1]) + redis.call("LLEN", KEYS[2]) == 0 then redis.call("DEL", KEYS[3]) end
local maxTotal = tonumber(ARGV[4])
if maxTotal > 0 and depth >= maxTotal then return { -1, depth } end
local waiting = tonumber(redis.call("HGET", KEYS[5], ARGV[1]) or "0")
local maxUser = tonumber(ARGV[5])
if maxUser > 0 and waiting >= maxUser then return { -2, waiting } end
local clock = tonumber(redis.call("HGET", KEYS[3], "clock:" .. ARGV[2]) or "0")
local userField = "user:" .. ARGV[2] .. ":" .. ARGV[1]
local last = tonumber(redis.call("HGET", KEYS[3], userField) or "0")
local tag = math.max(clock, last)
redis.call("HSET", KEYS[3], userField, tag + 1)
redis.call("HSET", KEYS[4], ARGV[3], ARGV[1])
redis.call("HINCRBY", KEYS[5], ARGV[1], 1)
local time = redis.call("TIME")
local admittedAt = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call("ZADD", KEYS[6], admittedAt, ARGV[3])
return { tag, depth, admittedAt }
`;

/**
 * A job leaves its user's lane (one atomic script): when a worker starts it (then the class's
 * virtual clock advances to its tag), or when it is withdrawn before starting (cancelled, or the
 * add failed; then no class is given). Only the first call per job counts.
 *
 * A start may carry the job's start bound (ARGV[4], milliseconds after its admission, on Redis'
 * clock so that no two machines' clocks are compared): a start later than that is reported late.
 * The admission time is the waiting-since entry, or ARGV[5] (the job's own record of it) once
 * that entry is gone — a rerun after the first worker died is checked as well.
 *
 * KEYS: fair hash, pending hash, user-waiting hash, waiting-since set.
 * ARGV: job id, class or "", tag, start bound in ms or "", admission time in ms or "".
 * Returns `{ counted, late }`: counted 1 when the job was still counted as waiting; late 1 when
 * it started after its bound.
 */
export const FAIR_LEAVE_SCRIPT = `
local user = redis.call("HGET", KEYS[2], ARGV[1])
local late = 0
if ARGV[4] ~= "" then
  local since = redis.call("ZSCORE", KEYS[4], ARGV[1])
  if not since and ARGV[5] ~= "" then since = ARGV[5] end
  if since then
    local time = redis.call("TIME")
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    if now - tonumber(since) > tonumber(ARGV[4]) then late = 1 end
  end
end
redis.call("ZREM", KEYS[4], ARGV[1])
if user then
  redis.call("HDEL", KEYS[2], ARGV[1])
  if redis.call("HINCRBY", KEYS[3], user, -1) <= 0 then redis.call("HDEL", KEYS[3], user) end
end
if ARGV[2] ~= "" then
  local field = "clock:" .. ARGV[2]
  local clock = tonumber(redis.call("HGET", KEYS[1], field) or "0")
  if tonumber(ARGV[3]) > clock then redis.call("HSET", KEYS[1], field, ARGV[3]) end
end
if user then return { 1, late } end
return { 0, late }
`;

/**
 * The 1-based position of a waiting job: jobs without priority (none of ours) and those with a
 * smaller score wait ahead of it. 0 when it is no longer waiting (a worker took it already).
 *
 * KEYS: prioritized set, wait list. ARGV: job id.
 */
export const JOB_POSITION_SCRIPT = `
local rank = redis.call("ZRANK", KEYS[1], ARGV[1])
if not rank then return 0 end
return rank + 1 + redis.call("LLEN", KEYS[2])
`;
