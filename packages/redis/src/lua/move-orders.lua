--[[
  Move orders from one status to another, atomically and exactly once each.
  Cancel, payment results, shipping and returns all go through here while an
  order's state lives in Redis, so two of them racing cannot both win, and
  units go back to stock at most once. One order (a buyer's cancel) or a
  batch (the worker settling a batch of payments, one call instead of one per
  order): orders are moved one after the other in the order given, so an
  order named twice is moved once and then answers "already there", and each
  order's move is atomic against a racing cancel. Redis does not undo a
  script's writes when a later command fails, so each order's move is
  checked whole before its first write (the keys' types, the numbers it
  adds to, the text it writes): its writes all happen or none does, and a
  retry never gives the units back twice.

  Every key shares the partition's hash tag: one call per partition.

  KEYS[1] generation  string  the partition's generation marker (generation.lua)
  then for order i (0-based), 4 keys and 6 arguments:
  KEYS[4i+2] order   string  the order's live state (order-state.lua)
  KEYS[4i+3] stock   string  units left of the order's offer
  KEYS[4i+4] buyers  hash    userId -> units held
  KEYS[4i+5] stream  stream  the partition's order events

  ARGV[6i+1] userId        only this buyer's order ('' = any: the worker's moves)
  ARGV[6i+2] from          the statuses it may leave, space separated ("pending paid")
  ARGV[6i+3] to            the new status
  ARGV[6i+4] restore       '1' to give the units back to stock and the buyer's slot
  ARGV[6i+5] ttl           seconds the state is kept after this move
  ARGV[6i+6] maxAgeMs      refuse if the current status is older than this (0 = any age)

  Every move adds 1 to the order's seq and writes the order's whole state
  into its order.moved event, so MySQL can keep the latest of its events.

  Returns one { code, status, updatedAtMs } per order, in the order given.
  Code is MoveCode (script-codes.ts), which the loader defines above this script:
    Moved          status = to
    AlreadyThere   status = to, nothing changed (a repeated request)
    NoSuchOrder    not there, or not this buyer's
    NotAllowed     status = the current one, which `from` does not name
    TooLate        status = the current one, older than maxAgeMs
    CommandFailed  status = why (a key of another type, a value that is not an
                   integer): nothing changed for this order; the rest go on
    Recovering     the partition's state has not been checked against MySQL on
                   this server (generation.lua): every order of the call gets
                   it, and nothing changed
]]
-- @include order-state.lua
-- @include generation.lua

local orderCount = (#KEYS - 1) / 4
-- A live state that may be older than MySQL is not moved: it could give units back twice.
if not generationCurrent(KEYS[1]) then
  local replies = {}
  for i = 1, orderCount do replies[i] = { Code.Recovering, '', 0 } end
  return replies
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- XADD is a move's last write: a key of another type would refuse it after
-- the units went back. Looked at once per stream (one per partition).
local streamTypes = {}
local function streamUsable(key)
  local found = streamTypes[key]
  if not found then
    found = redis.call('TYPE', key)['ok']
    streamTypes[key] = found
  end
  return found == 'stream' or found == 'none'
end

local function failed(why)
  return { Code.CommandFailed, why, 0 }
end

local function move(orderKey, stockKey, buyersKey, streamKey, userId, from, to, restore, ttl, maxAgeMs)
  ttl, maxAgeMs = integerOf(ttl), integerOf(maxAgeMs)
  if not (ttl and ttl > 0 and maxAgeMs) then return failed('ttl or maxAgeMs is not an integer') end
  local text = redis.call('GET', orderKey)
  if not text then return { Code.NoSuchOrder, '', 0 } end
  local current, updatedAt, seq, owner, quantity, unitPrice, total, createdAt, productId, saleId, orderId,
    idempotencyKey = parseOrderState(text)
  if not current then return { Code.NoSuchOrder, '', 0 } end
  if userId ~= '' and owner ~= userId then
    return { Code.NoSuchOrder, '', 0 }
  end
  updatedAt, seq = integerOf(updatedAt), integerOf(seq)
  local units = integerOf(quantity)
  if not (updatedAt and seq and units and integerOf(unitPrice) and integerOf(total) and integerOf(createdAt)) then
    return failed('the order state is malformed')
  end
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

  -- Checked before the first write: GET and HGET refuse keys of another type
  -- here, and INCRBY and HINCRBY will take integers.
  local held
  if restore == '1' then
    local stock = redis.call('GET', stockKey)
    if stock and not integerOf(stock) then return failed('the stock is not an integer') end
    local heldText = redis.call('HGET', buyersKey, owner)
    held = 0
    if heldText then held = integerOf(heldText) end
    if not held then return failed("the buyer's units are not an integer") end
  end
  if not streamUsable(streamKey) then return failed('the orders stream key holds another type') end

  -- Everything written is built before the first write.
  local state = orderStateText(to, nowMs, seq + 1, owner, quantity, unitPrice, total, createdAt, productId,
    saleId, orderId, idempotencyKey)
  -- One JSON field of strings, as every event (JSON_FIELD in packages/streams/src/entries.ts),
  -- with the order's whole snapshot, as every order event carries it.
  local event = cjson.encode({
    type = 'order.moved', orderId = orderId, seq = int(seq + 1),
    from = current, to = to, restored = restore, at = int(nowMs),
    userId = owner, saleId = saleId, productId = productId, quantity = int(units),
    unitPrice = int(unitPrice), total = int(total), idempotencyKey = idempotencyKey,
    placedAt = int(createdAt) })

  if restore == '1' then
    redis.call('INCRBY', stockKey, units)
    if held - units <= 0 then
      redis.call('HDEL', buyersKey, owner)
    else
      redis.call('HINCRBY', buyersKey, owner, -units)
    end
  end
  redis.call('SET', orderKey, state, 'EX', ttl)
  redis.call('XADD', streamKey, '*', 'json', event)
  return { Code.Moved, to, nowMs }
end

local replies = {}
for i = 0, orderCount - 1 do
  local k = 1 + i * 4
  local a = i * 6
  local ok, reply = pcall(move, KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4],
    ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6])
  if not ok then
    -- A read Redis refused (a key of another type), before any write: an error
    -- raised by redis.call is a table whose err field holds the message.
    reply = failed(type(reply) == 'table' and reply.err or tostring(reply))
  end
  replies[i + 1] = reply
end
return replies
