--[[
  Reserve units of an offer for one buyer, atomically, and queue the order.
  Everything is validated before the first write, so a refusal changes nothing.
  The window is judged by this server's clock (TIME), never the app's.

  KEYS[1] stock        string  units left
  KEYS[2] meta         hash    startsAt, endsAt (epoch ms), limit (0 = none),
                               price, productId, saleId ('' for a product)
  KEYS[3] buyers       hash    userId -> units this buyer holds
  KEYS[4] idempotency  hash    fingerprint, orderId of the first request
  KEYS[5] order        hash    the pending order, readable before MySQL has it
  KEYS[6] stream       stream  order.placed

  ARGV[1] orderId      minted by the app, used only if the order is placed
  ARGV[2] userId
  ARGV[3] quantity     positive integer
  ARGV[4] fingerprint  hash of the request body
  ARGV[5] idempotency key as the client sent it
  ARGV[6] ttl of the idempotency record, seconds
  ARGV[7] ttl of the pending order copy, seconds

  Returns { code, orderId, remaining, nowMs }
    1  placed                    orderId = ARGV[1]
    2  replayed                  orderId = the first request's order
   -1  offer not found
   -2  not started yet
   -3  ended
   -4  per-buyer limit reached
   -5  not enough stock          remaining tells how many are left
   -6  idempotency key reused with another body
]]
local stockKey = KEYS[1]
local metaKey = KEYS[2]
local buyersKey = KEYS[3]
local idempotencyKey = KEYS[4]
local orderKey = KEYS[5]
local streamKey = KEYS[6]

local orderId = ARGV[1]
local userId = ARGV[2]
local quantity = tonumber(ARGV[3])
local fingerprint = ARGV[4]

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

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
  'quantity', quantity, 'unitPrice', price, 'total', total, 'createdAt', nowMs)
redis.call('EXPIRE', orderKey, tonumber(ARGV[7]))
redis.call('XADD', streamKey, '*',
  'type', 'order.placed', 'orderId', orderId, 'userId', userId,
  'saleId', meta[6], 'productId', meta[5], 'quantity', quantity,
  'unitPrice', price, 'total', total, 'idempotencyKey', ARGV[5], 'placedAt', nowMs)

return { 1, orderId, remaining, nowMs }
