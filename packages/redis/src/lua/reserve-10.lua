--[[
  Reserve units of an offer for one buyer, atomically, and queue the order.
  Apart from the rate-limit counters (which count attempts, refused or not),
  everything is validated before the first write, so a refusal changes nothing.
  The window is judged by this server's clock (TIME), never the app's.

  KEYS[1] stock        string  units left
  KEYS[2] meta         hash    startsAt, endsAt (epoch ms), limit (0 = none),
                               price, productId, saleId ('' for a product)
  KEYS[3] buyers       hash    userId -> units this buyer holds
  KEYS[4] idempotency  hash    fingerprint, orderId of the first request
  KEYS[5] order        hash    the order's live state (status, items, owner); the
                               authority for its transitions while it exists
  KEYS[6] stream       stream  the partition's order events (order.placed here)
  KEYS[7] buyer rate   string  attempts by this buyer in the current window
  KEYS[8] client rate  string  attempts from this client address in the current window
  KEYS[9] revoked token  string  present once the caller's access token was logged out
  KEYS[10] revoked user  string  epoch seconds: the buyer's tokens issued up to then are revoked

  ARGV[1] orderId      minted by the app, used only if the order is placed
  ARGV[2] userId
  ARGV[3] quantity     positive integer
  ARGV[4] fingerprint  hash of the request body
  ARGV[5] idempotency key as the client sent it
  ARGV[6] ttl of the idempotency record, seconds
  ARGV[7] ttl of the order state, seconds
  ARGV[8] attempts allowed per buyer per window (0 = no limit)
  ARGV[9] attempts allowed per client address per window (0 = no limit)
  ARGV[10] rate window, seconds
  ARGV[11] when the caller's access token was issued (iat), epoch seconds

  Returns { code, orderId, remaining, nowMs }
    1  placed                    orderId = ARGV[1]
    2  replayed                  orderId = the first request's order
   -1  offer not found
   -2  not started yet
   -3  ended
   -4  per-buyer limit reached
   -5  not enough stock          remaining tells how many are left
   -6  idempotency key reused with another body
   -7  rate limited              remaining = seconds until the window resets
   -8  the access token was revoked (logout): the caller must sign in again
]]
local stockKey = KEYS[1]
local metaKey = KEYS[2]
local buyersKey = KEYS[3]
local idempotencyKey = KEYS[4]
local orderKey = KEYS[5]
local streamKey = KEYS[6]
local buyerRateKey = KEYS[7]
local clientRateKey = KEYS[8]
local revokedTokenKey = KEYS[9]
local revokedUserKey = KEYS[10]

local orderId = ARGV[1]
local userId = ARGV[2]
local quantity = tonumber(ARGV[3])
local fingerprint = ARGV[4]

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Logout takes effect on the very next request, checked here so that it costs no extra round trip.
local revokedUpTo = redis.call('GET', revokedUserKey)
local issuedAt = tonumber(ARGV[11])
if redis.call('EXISTS', revokedTokenKey) == 1 or (revokedUpTo and issuedAt > 0 and issuedAt <= tonumber(revokedUpTo)) then
  return { -8, '', -1, nowMs }
end

-- Fixed-window counters: the first attempt in a window starts its clock.
local function overLimit(key, limit)
  if limit <= 0 then return false end
  local attempts = redis.call('INCR', key)
  if attempts == 1 then redis.call('EXPIRE', key, tonumber(ARGV[10])) end
  return attempts > limit
end
for _, rate in ipairs({ { buyerRateKey, tonumber(ARGV[8]) }, { clientRateKey, tonumber(ARGV[9]) } }) do
  if overLimit(rate[1], rate[2]) then
    return { -7, '', math.max(redis.call('TTL', rate[1]), 1), nowMs }
  end
end

local first = redis.call('HMGET', idempotencyKey, 'fingerprint', 'orderId')
if first[1] then
  if first[1] ~= fingerprint then
    return { -6, first[2], -1, nowMs }
  end
  return { 2, first[2], -1, nowMs }
end

local meta = redis.call('HMGET', metaKey, 'startsAt', 'endsAt', 'limit', 'price', 'productId', 'saleId')
if not meta[1] then
  return { -1, '', -1, nowMs }
end
if nowMs < tonumber(meta[1]) then
  return { -2, '', -1, nowMs }
end
if nowMs >= tonumber(meta[2]) then
  return { -3, '', -1, nowMs }
end

local limit = tonumber(meta[3])
local held = tonumber(redis.call('HGET', buyersKey, userId) or '0')
if limit > 0 and held + quantity > limit then
  return { -4, '', -1, nowMs }
end

local remaining = tonumber(redis.call('GET', stockKey) or '0')
if remaining < quantity then
  return { -5, '', remaining, nowMs }
end

remaining = redis.call('DECRBY', stockKey, quantity)
redis.call('HINCRBY', buyersKey, userId, quantity)

local price = tonumber(meta[4])
local total = price * quantity
redis.call('HSET', idempotencyKey, 'fingerprint', fingerprint, 'orderId', orderId)
redis.call('EXPIRE', idempotencyKey, tonumber(ARGV[6]))
redis.call('HSET', orderKey,
  'id', orderId, 'userId', userId, 'saleId', meta[6], 'productId', meta[5],
  'quantity', quantity, 'unitPrice', price, 'total', total, 'status', 'pending',
  'createdAt', nowMs, 'updatedAt', nowMs)
redis.call('EXPIRE', orderKey, tonumber(ARGV[7]))
redis.call('XADD', streamKey, '*',
  'type', 'order.placed', 'orderId', orderId, 'userId', userId,
  'saleId', meta[6], 'productId', meta[5], 'quantity', quantity,
  'unitPrice', price, 'total', total, 'idempotencyKey', ARGV[5], 'placedAt', nowMs)

return { 1, orderId, remaining, nowMs }
