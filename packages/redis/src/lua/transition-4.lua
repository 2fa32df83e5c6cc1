--[[
  Move an order from one status to another, atomically, exactly once.
  Cancel, payment results, shipping and returns all go through here while the
  order's state lives in Redis, so two of them racing cannot both win, and
  units go back to stock at most once.

  KEYS[1] order   hash    the order's live state (written by reserve-batch-n.lua)
  KEYS[2] stock   string  units left of the order's offer
  KEYS[3] buyers  hash    userId -> units held
  KEYS[4] stream  stream  the partition's order events

  ARGV[1] userId        only this buyer's order ('' = any: the worker's transitions)
  ARGV[2] from          the statuses it may leave, space separated ("pending paid")
  ARGV[3] to            the new status
  ARGV[4] restore       '1' to give the units back to stock and the buyer's slot
  ARGV[5] ttl           seconds the state is kept after this transition
  ARGV[6] maxAgeMs      refuse if the current status is older than this (0 = any age)

  Returns { code, status, updatedAtMs }
    1  moved                      status = to
    2  already there              status = to, nothing changed (a repeated request)
   -1  no such order for this buyer
   -2  not allowed from here      status = the current one
   -3  too late                   the current status is older than maxAgeMs
]]
local orderKey = KEYS[1]
local stockKey = KEYS[2]
local buyersKey = KEYS[3]
local streamKey = KEYS[4]

local userId = ARGV[1]
local to = ARGV[3]

local state = redis.call('HMGET', orderKey, 'userId', 'status', 'quantity', 'updatedAt')
if not state[1] or (userId ~= '' and state[1] ~= userId) then
  return { -1, '', 0 }
end
local current = state[2]
if current == to then
  return { 2, current, tonumber(state[4]) }
end

local allowed = false
for status in string.gmatch(ARGV[2], '%S+') do
  if status == current then allowed = true end
end
if not allowed then
  return { -2, current, tonumber(state[4]) }
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local maxAgeMs = tonumber(ARGV[6])
if maxAgeMs > 0 and nowMs - tonumber(state[4]) > maxAgeMs then
  return { -3, current, tonumber(state[4]) }
end

if ARGV[4] == '1' then
  local quantity = tonumber(state[3])
  redis.call('INCRBY', stockKey, quantity)
  if redis.call('HINCRBY', buyersKey, state[1], -quantity) <= 0 then
    redis.call('HDEL', buyersKey, state[1])
  end
end
redis.call('HSET', orderKey, 'status', to, 'updatedAt', nowMs)
redis.call('EXPIRE', orderKey, tonumber(ARGV[5]))
redis.call('XADD', streamKey, '*',
  'type', 'order.status', 'orderId', redis.call('HGET', orderKey, 'id'),
  'from', current, 'to', to, 'restored', ARGV[4], 'at', nowMs)
return { 1, to, nowMs }
