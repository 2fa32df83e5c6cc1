--[[
  Reserve units for a batch of orders, one after another, each all-or-nothing
  on its own, and queue every order placed. A batch is what one checkout
  process collected in one turn of its event loop for one partition: one call
  instead of one per order takes the per-call cost (the script's set-up, the
  client's command, TIME, the offer's window) off all but one of them.
  Apart from the rate-limit counters (which count attempts, refused or not),
  each order is validated before its first write, so a refusal changes
  nothing. The window is judged by this server's clock (TIME), never the app's.

  The arguments are laid out so that ioredis encodes as little as it can:
  keys the whole batch shares come once, each order's own keys follow, and
  each order's arguments travel as one string.

  KEYS[1] stream        stream  the partition's order events (order.placed here)
  then 3 per offer named in the batch (ARGV[6] offers), offer j's at 1 + 3*(j-1) + 1..3:
    +1 stock            string  units left
    +2 meta             hash    startsAt, endsAt (epoch ms), limit (0 = none),
                                price, productId, saleId ('' for a product)
    +3 buyers           hash    userId -> units this buyer holds
  then 4 per order (6 when a rate limit is set), order i's after the offers' keys:
    +1 idempotency      string  '<fingerprint> <orderId>' of the key's first request
    +2 order            string  the order's live state (order-state.lua); the
                                authority for its moves while it exists
    +3 revoked token    string  present once the caller's access token was logged out
    +4 revoked user     string  epoch seconds: the buyer's tokens issued up to then are revoked
    +5 buyer rate       string  attempts by this buyer in the current window
    +6 client rate      string  attempts from this client address in the current window
  All of them share the partition's hash tag.

  ARGV[1] ttl of the idempotency record, seconds
  ARGV[2] ttl of the order state, seconds
  ARGV[3] attempts allowed per buyer per window (0 = no limit)
  ARGV[4] attempts allowed per client address per window (0 = no limit)
  ARGV[5] rate window, seconds
  ARGV[6] how many offers the batch names
  ARGV[7..] one per order, space-separated:
    '<offer index, from 1> <orderId> <userId> <quantity> <fingerprint> <iat> <idempotency key>'
    orderId is minted by the app and used only if the order is placed; iat is
    when the caller's access token was issued (epoch seconds, 0 = not
    checked); the idempotency key, last, is the rest of the string.

  Returns 3 values per order, { code, orderId, remaining, code, orderId, remaining, ... }.
  Code is ReserveCode (script-codes.ts), which the loader defines above this script:
    Placed                orderId = its orderId
    Replayed              orderId = the first request's order
    OfferNotFound         no such offer on sale
    NotStarted            its window has not opened yet
    Ended                 its window has closed
    LimitReached          the per-buyer limit would be passed
    SoldOut               not enough stock: remaining tells how many are left
    IdempotencyKeyReused  the key came first with another body
    RateLimited           remaining = seconds until the window resets
    TokenRevoked          the access token was revoked (logout): sign in again
    CommandFailed         Redis refused a command, orderId = its error (a key of
                          the wrong type): this order only; the rest go on
]]
-- @include order-state.lua

local idempotencyTtl = tonumber(ARGV[1])
local orderTtl = tonumber(ARGV[2])
local perBuyer = tonumber(ARGV[3])
local perClient = tonumber(ARGV[4])
local rateWindow = tonumber(ARGV[5])
local offerCount = tonumber(ARGV[6])
local streamKey = KEYS[1]
local keysPerOrder = (perBuyer > 0 or perClient > 0) and 6 or 4
local firstOrderKey = 1 + 3 * offerCount

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- An offer's terms do not change during the call: read once per offer.
local metas = {}
local function metaOf(offer)
  local meta = metas[offer]
  if not meta then
    meta = redis.call('HMGET', KEYS[3 * offer], 'startsAt', 'endsAt', 'limit', 'price', 'productId', 'saleId')
    metas[offer] = meta
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

local function reserveOne(k, packed)
  local offer, orderId, userId, quantity, fingerprint, issuedAt, idempotency =
    string.match(packed, '^(%d+) (%S+) (%S+) (%d+) (%S+) (%d+) (.*)$')
  offer, quantity, issuedAt = tonumber(offer), tonumber(quantity), tonumber(issuedAt)
  local stockKey, buyersKey = KEYS[3 * offer - 1], KEYS[3 * offer + 1]
  local idempotencyKey, orderKey = KEYS[k + 1], KEYS[k + 2]

  -- Everything this order reads that is a plain string, in one command.
  local found = redis.call('MGET', KEYS[k + 3], KEYS[k + 4], idempotencyKey, stockKey)
  local revokedToken, revokedUpTo, first, stock = found[1], found[2], found[3], found[4]

  -- Logout takes effect on the very next request, checked here so that it costs no extra round trip.
  if revokedToken or (revokedUpTo and issuedAt > 0 and issuedAt <= tonumber(revokedUpTo)) then
    return Code.TokenRevoked, '', -1
  end
  if keysPerOrder == 6 then
    if overLimit(KEYS[k + 5], perBuyer) then return Code.RateLimited, '', math.max(redis.call('TTL', KEYS[k + 5]), 1) end
    if overLimit(KEYS[k + 6], perClient) then return Code.RateLimited, '', math.max(redis.call('TTL', KEYS[k + 6]), 1) end
  end

  if first then
    local space = string.find(first, ' ', 1, true)
    local firstOrderId = string.sub(first, space + 1)
    if string.sub(first, 1, space - 1) ~= fingerprint then return Code.IdempotencyKeyReused, firstOrderId, -1 end
    return Code.Replayed, firstOrderId, -1
  end

  local meta = metaOf(offer)
  if not meta[1] then return Code.OfferNotFound, '', -1 end
  if nowMs < tonumber(meta[1]) then return Code.NotStarted, '', -1 end
  if nowMs >= tonumber(meta[2]) then return Code.Ended, '', -1 end

  local limit = tonumber(meta[3])
  if limit > 0 and tonumber(redis.call('HGET', buyersKey, userId) or '0') + quantity > limit then
    return Code.LimitReached, '', -1
  end

  local remaining = tonumber(stock or '0')
  if remaining < quantity then return Code.SoldOut, '', remaining end

  remaining = redis.call('DECRBY', stockKey, quantity)
  redis.call('HINCRBY', buyersKey, userId, quantity)

  local price = tonumber(meta[4])
  local total = price * quantity
  redis.call('SET', idempotencyKey, fingerprint .. ' ' .. orderId, 'EX', idempotencyTtl)
  redis.call('SET', orderKey,
    orderStateText('pending', nowMs, userId, quantity, price, total, nowMs, meta[5], meta[6], orderId),
    'EX', orderTtl)
  -- One JSON field of strings, as every event (JSON_FIELD in packages/streams/src/entries.ts).
  redis.call('XADD', streamKey, '*', 'json', cjson.encode({
    type = 'order.placed', orderId = orderId, userId = userId, saleId = meta[6],
    productId = meta[5], quantity = tostring(quantity), unitPrice = tostring(price),
    total = tostring(total), idempotencyKey = idempotency, placedAt = tostring(nowMs) }))
  return Code.Placed, orderId, remaining
end

local replies = {}
for i = 1, #ARGV - 6 do
  local ok, code, orderId, remaining = pcall(reserveOne, firstOrderKey + keysPerOrder * (i - 1), ARGV[6 + i])
  if not ok then
    -- An error raised by redis.call is a table whose err field holds the message.
    code, orderId, remaining = Code.CommandFailed, type(code) == 'table' and code.err or tostring(code), -1
  end
  replies[#replies + 1] = code
  replies[#replies + 1] = orderId
  replies[#replies + 1] = remaining
end
return replies
