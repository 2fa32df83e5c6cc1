--[[
  Reserve units for a batch of orders, one after another, each all-or-nothing
  on its own, and queue every order placed. A batch is what one checkout
  process collected in one turn of its event loop for one partition: one call
  instead of one per order takes the per-call cost (the script's set-up, the
  client's command, TIME, the offer's window) off all but one of them.
  Apart from the rate-limit counters (which count attempts, refused or not),
  each order is validated before its first write, so a refusal changes
  nothing. The window is judged by this server's clock (TIME), never the app's.

  KEYS: 10 per order, order i's at 10*(i-1) + 1 .. 10*i, all in one partition:
    +1 stock        string  units left
    +2 meta         hash    startsAt, endsAt (epoch ms), limit (0 = none),
                            price, productId, saleId ('' for a product)
    +3 buyers       hash    userId -> units this buyer holds
    +4 idempotency  string  '<fingerprint> <orderId>' of the key's first request
    +5 order        hash    the order's live state (status, items, owner); the
                            authority for its transitions while it exists
    +6 stream       stream  the partition's order events (order.placed here)
    +7 buyer rate   string  attempts by this buyer in the current window
    +8 client rate  string  attempts from this client address in the current window
    +9 revoked token  string  present once the caller's access token was logged out
    +10 revoked user  string  epoch seconds: the buyer's tokens issued up to then are revoked

  ARGV[1] ttl of the idempotency record, seconds
  ARGV[2] ttl of the order state, seconds
  ARGV[3] attempts allowed per buyer per window (0 = no limit)
  ARGV[4] attempts allowed per client address per window (0 = no limit)
  ARGV[5] rate window, seconds
  then 6 per order, order i's at 5 + 6*(i-1) + 1 .. 5 + 6*i:
    +1 orderId      minted by the app, used only if the order is placed
    +2 userId
    +3 quantity     positive integer
    +4 fingerprint  hash of the request body (no spaces)
    +5 idempotency key as the client sent it
    +6 when the caller's access token was issued (iat), epoch seconds; 0 = not checked

  Returns 3 values per order, { code, orderId, remaining, code, orderId, remaining, ... }:
    1  placed                    orderId = its orderId
    2  replayed                  orderId = the first request's order
   -1  offer not found
   -2  not started yet
   -3  ended
   -4  per-buyer limit reached
   -5  not enough stock          remaining tells how many are left
   -6  idempotency key reused with another body
   -7  rate limited              remaining = seconds until the window resets
   -8  the access token was revoked (logout): the caller must sign in again
   -9  Redis refused a command   orderId = its error (a key of the wrong type):
                                 this order only; the rest of the batch goes on
]]
local idempotencyTtl = tonumber(ARGV[1])
local orderTtl = tonumber(ARGV[2])
local perBuyer = tonumber(ARGV[3])
local perClient = tonumber(ARGV[4])
local rateWindow = tonumber(ARGV[5])

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- An offer's terms do not change during the call: read once per offer.
local metas = {}
local function metaOf(metaKey)
  local meta = metas[metaKey]
  if not meta then
    meta = redis.call('HMGET', metaKey, 'startsAt', 'endsAt', 'limit', 'price', 'productId', 'saleId')
    metas[metaKey] = meta
  end
  return meta
end

-- Fixed-window counters: the first attempt in a window starts its clock.
local function overLimit(key, limit)
  if limit <= 0 then return false end
  local attempts = redis.call('INCR', key)
  if attempts == 1 then redis.call('EXPIRE', key, rateWindow) end
  return attempts > limit
end

local function reserveOne(k, a)
  local stockKey, metaKey, buyersKey = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local idempotencyKey, orderKey, streamKey = KEYS[k + 4], KEYS[k + 5], KEYS[k + 6]
  local orderId, userId, quantity = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local fingerprint, issuedAt = ARGV[a + 4], tonumber(ARGV[a + 6])

  -- Everything this order reads that is a plain string, in one command.
  local found = redis.call('MGET', KEYS[k + 9], KEYS[k + 10], idempotencyKey, stockKey)
  local revokedToken, revokedUpTo, first, stock = found[1], found[2], found[3], found[4]

  -- Logout takes effect on the very next request, checked here so that it costs no extra round trip.
  if revokedToken or (revokedUpTo and issuedAt > 0 and issuedAt <= tonumber(revokedUpTo)) then
    return -8, '', -1
  end
  if overLimit(KEYS[k + 7], perBuyer) then return -7, '', math.max(redis.call('TTL', KEYS[k + 7]), 1) end
  if overLimit(KEYS[k + 8], perClient) then return -7, '', math.max(redis.call('TTL', KEYS[k + 8]), 1) end

  if first then
    local space = string.find(first, ' ', 1, true)
    local firstOrderId = string.sub(first, space + 1)
    if string.sub(first, 1, space - 1) ~= fingerprint then return -6, firstOrderId, -1 end
    return 2, firstOrderId, -1
  end

  local meta = metaOf(metaKey)
  if not meta[1] then return -1, '', -1 end
  if nowMs < tonumber(meta[1]) then return -2, '', -1 end
  if nowMs >= tonumber(meta[2]) then return -3, '', -1 end

  local limit = tonumber(meta[3])
  if limit > 0 and tonumber(redis.call('HGET', buyersKey, userId) or '0') + quantity > limit then
    return -4, '', -1
  end

  local remaining = tonumber(stock or '0')
  if remaining < quantity then return -5, '', remaining end

  remaining = redis.call('DECRBY', stockKey, quantity)
  redis.call('HINCRBY', buyersKey, userId, quantity)

  local price = tonumber(meta[4])
  local total = price * quantity
  redis.call('SET', idempotencyKey, fingerprint .. ' ' .. orderId, 'EX', idempotencyTtl)
  redis.call('HSET', orderKey,
    'id', orderId, 'userId', userId, 'saleId', meta[6], 'productId', meta[5],
    'quantity', quantity, 'unitPrice', price, 'total', total, 'status', 'pending',
    'createdAt', nowMs, 'updatedAt', nowMs)
  redis.call('EXPIRE', orderKey, orderTtl)
  redis.call('XADD', streamKey, '*',
    'type', 'order.placed', 'orderId', orderId, 'userId', userId,
    'saleId', meta[6], 'productId', meta[5], 'quantity', quantity,
    'unitPrice', price, 'total', total, 'idempotencyKey', ARGV[a + 5], 'placedAt', nowMs)
  return 1, orderId, remaining
end

local replies = {}
for i = 1, #KEYS / 10 do
  local ok, code, orderId, remaining = pcall(reserveOne, 10 * (i - 1), 5 + 6 * (i - 1))
  if not ok then
    -- An error raised by redis.call is a table whose err field holds the message.
    code, orderId, remaining = -9, type(code) == 'table' and code.err or tostring(code), -1
  end
  replies[#replies + 1] = code
  replies[#replies + 1] = orderId
  replies[#replies + 1] = remaining
end
return replies
