--[[
  Move orders from one status to another, atomically and exactly once each.
  Cancel, payment results, shipping and returns all go through here while an
  order's state lives in Redis, so two of them racing cannot both win, and
  units go back to stock at most once. One order (a buyer's cancel) or a
  batch (the worker settling a batch of payments, one call instead of one per
  order): orders are moved one after the other in the order given, so an
  order named twice is moved once and then answers "already there", and each
  order's move is atomic against a racing cancel.

  Every key shares the partition's hash tag: one call per partition.

  For order i (0-based), 4 keys and 6 arguments:
  KEYS[4i+1] order   string  the order's live state (order-state.lua)
  KEYS[4i+2] stock   string  units left of the order's offer
  KEYS[4i+3] buyers  hash    userId -> units held
  KEYS[4i+4] stream  stream  the partition's order events

  ARGV[6i+1] userId        only this buyer's order ('' = any: the worker's moves)
  ARGV[6i+2] from          the statuses it may leave, space separated ("pending paid")
  ARGV[6i+3] to            the new status
  ARGV[6i+4] restore       '1' to give the units back to stock and the buyer's slot
  ARGV[6i+5] ttl           seconds the state is kept after this move
  ARGV[6i+6] maxAgeMs      refuse if the current status is older than this (0 = any age)

  Returns one { code, status, updatedAtMs } per order, in the order given.
  Code is MoveCode (script-codes.ts), which the loader defines above this script:
    Moved         status = to
    AlreadyThere  status = to, nothing changed (a repeated request)
    NoSuchOrder   not there, or not this buyer's
    NotAllowed    status = the current one, which `from` does not name
    TooLate       status = the current one, older than maxAgeMs
]]
-- @include order-state.lua

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function move(orderKey, stockKey, buyersKey, streamKey, userId, from, to, restore, ttl, maxAgeMs)
  local text = redis.call('GET', orderKey)
  if not text then return { Code.NoSuchOrder, '', 0 } end
  local current, updatedAt, owner, quantity, unitPrice, total, createdAt, productId, saleId, orderId =
    parseOrderState(text)
  if not current then return { Code.NoSuchOrder, '', 0 } end
  if userId ~= '' and owner ~= userId then
    return { Code.NoSuchOrder, '', 0 }
  end
  updatedAt = tonumber(updatedAt)
  if current == to then
    return { Code.AlreadyThere, current, updatedAt }
  end

  local allowed = false
  for status in string.gmatch(from, '%S+') do
    if status == current then allowed = true end
  end
  if not allowed then
    return { Code.NotAllowed, current, updatedAt }
  end

  if maxAgeMs > 0 and nowMs - updatedAt > maxAgeMs then
    return { Code.TooLate, current, updatedAt }
  end

  if restore == '1' then
    local units = tonumber(quantity)
    redis.call('INCRBY', stockKey, units)
    if redis.call('HINCRBY', buyersKey, owner, -units) <= 0 then
      redis.call('HDEL', buyersKey, owner)
    end
  end
  redis.call('SET', orderKey,
    orderStateText(to, nowMs, owner, quantity, unitPrice, total, createdAt, productId, saleId, orderId),
    'EX', ttl)
  -- One JSON field of strings, as every event (JSON_FIELD in packages/streams/src/entries.ts).
  redis.call('XADD', streamKey, '*', 'json', cjson.encode({
    type = 'order.moved', orderId = orderId,
    from = current, to = to, restored = restore, at = tostring(nowMs) }))
  return { Code.Moved, to, nowMs }
end

local replies = {}
for i = 0, #KEYS / 4 - 1 do
  local k = i * 4
  local a = i * 6
  replies[i + 1] = move(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4],
    ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]))
end
return replies
