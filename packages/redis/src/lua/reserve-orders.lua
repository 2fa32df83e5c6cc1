--[[
  Reserve units for a batch of orders, one after another, each all-or-nothing
  on its own, and queue every order placed. A batch is what one checkout
  process collected in one turn of its event loop for one partition: one call
  instead of one per order takes the per-call cost (the script's set-up, the
  client's command, TIME, the offer's window) off all but one of them.

  Redis does not undo a script's writes when a later command fails, so each
  order is decided whole before its first write: every read, every check
  that would otherwise make a later command fail (a key of another type, a
  value that is not an integer, a total a double cannot hold exactly) and
  every text it writes. An order's writes then all happen or none does: a
  refusal changes only the rate-limit counters (which count attempts, refused
  or not), and CommandFailed changes nothing at all. The window is judged by
  this server's clock (TIME), never the app's.

  The arguments are laid out so that ioredis encodes as little as it can:
  keys the whole batch shares come once, each order's own keys follow, and
  each order's arguments travel as one string.

  KEYS[1] stream        stream  the partition's order events (order.placed here)
  KEYS[2] generation    string  the partition's generation marker (generation.lua)
  then 3 per offer named in the batch (ARGV[6] offers), offer j's at 2 + 3*(j-1) + 1..3:
    +1 stock            string  units left
    +2 meta             hash    startsAt, endsAt (epoch ms), limit (0 = none),
                                price, productId, saleId ('' for a product),
                                buckets (absent = 1), elsewhere and wants (a
                                bucketed sale's: see below)
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
    '<offer index, from 1> <orderId> <userId> <quantity> <fingerprint> <iat> <buckets> <idempotency key>'
    orderId is minted by the app and used only if the order is placed; iat is
    when the caller's access token was issued (epoch seconds, 0 = not
    checked); buckets is how many buckets the caller takes the offer to have
    (it chose this partition by it); the idempotency key, last, is the rest
    of the string.

  A bucketed sale (buckets > 1) is decided in the buyer's bucket only: its
  meta there holds elsewhere, the units the balancer last saw in the sale's
  other buckets, and wants, the units asked of this bucket while it had too
  few (the balancer reads it to send units here).

  Returns 3 values per order, { code, orderId, remaining, code, orderId, remaining, ... }.
  Code is ReserveCode (script-codes.ts), which the loader defines above this script:
    Placed                orderId = its orderId
    Replayed              orderId = the first request's order
    OfferNotFound         no such offer on sale
    NotStarted            its window has not opened yet
    Ended                 its window has closed
    LimitReached          the per-buyer limit would be passed
    SoldOut               not enough stock, and none elsewhere in a bucketed
                          sale: remaining tells how many are left
    IdempotencyKeyReused  the key came first with another body
    RateLimited           remaining = seconds until the window resets
    TokenRevoked          the access token was revoked (logout): sign in again
    CommandFailed         nothing changed for this order, orderId = why (a key of
                          another type, a value that is not an integer, a total
                          too large to be exact); the rest go on
    Recovering            the partition's state has not been checked against MySQL
                          on this server (generation.lua): every order of the
                          call gets it, and nothing changed, rate counters included
    WrongBuckets          the offer has another bucket count than the caller
                          took (remaining = the count): the caller asks the
                          buyer's bucket again; nothing changed, nothing counted
    Rebalancing           this bucket has too few units but the sale's other
                          buckets had some (elsewhere > 0): wants grows by the
                          quantity, remaining = the bucket's units; ask again soon
]]
-- @include order-state.lua
-- @include generation.lua

local streamKey = KEYS[1]
local idempotencyTtl = integerOf(ARGV[1])
local orderTtl = integerOf(ARGV[2])
local perBuyer = integerOf(ARGV[3])
local perClient = integerOf(ARGV[4])
local rateWindow = integerOf(ARGV[5])
local offerCount = integerOf(ARGV[6])
-- Arguments that would make a SET or an EXPIRE fail once an order is half written: refuse the call first.
if not (idempotencyTtl and idempotencyTtl > 0 and orderTtl and orderTtl > 0 and perBuyer and perClient
    and rateWindow and rateWindow > 0 and offerCount) then
  return redis.error_reply('reserve-orders.lua: a shared argument is not a valid integer')
end
local keysPerOrder = (perBuyer > 0 or perClient > 0) and 6 or 4
local firstOrderKey = 2 + 3 * offerCount

-- Stock, buyers and idempotency records that may be older than MySQL decide nothing.
if not generationCurrent(KEYS[2]) then
  local replies = {}
  for i = 1, #ARGV - 6 do
    replies[3 * i - 2], replies[3 * i - 1], replies[3 * i] = Code.Recovering, '', -1
  end
  return replies
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Expiry as absolute times (PXAT): the same instant EX would give on this clock, without
-- Redis turning each EX into PXAT itself; at most MAX_EXACT, so int() writes them exactly.
if nowMs + 1000 * math.max(idempotencyTtl, orderTtl) > MAX_EXACT then
  return redis.error_reply('reserve-orders.lua: a ttl is too large')
end
local idempotencyExpiresAt = int(nowMs + 1000 * idempotencyTtl)
local orderExpiresAt = int(nowMs + 1000 * orderTtl)

-- XADD is a placed order's last write: a key of another type would refuse it
-- after the stock was taken. One stream per call: looked at once.
local streamType = redis.call('TYPE', streamKey)['ok']
local streamUsable = streamType == 'stream' or streamType == 'none'

-- An offer's terms do not change during the call: read and checked once per offer.
-- false when the offer is not on sale; a string (why) when its terms are unusable.
local offers = {}
local function offerOf(index)
  local offer = offers[index]
  if offer == nil then
    local meta = redis.call('HMGET', KEYS[3 * index + 1], 'startsAt', 'endsAt', 'limit', 'price', 'productId',
      'saleId', 'buckets', 'elsewhere', 'wants')
    if not meta[1] then
      offer = false
    else
      offer = { startsAt = integerOf(meta[1]), endsAt = integerOf(meta[2]), limit = integerOf(meta[3]),
        price = integerOf(meta[4]), productId = meta[5], saleId = meta[6], buckets = integerOf(meta[7] or '1'),
        elsewhere = integerOf(meta[8] or '0'), wants = integerOf(meta[9] or '0') }
      if not (offer.startsAt and offer.endsAt and offer.limit and offer.price and offer.price >= 0
          and offer.productId and offer.productId ~= '' and offer.saleId and offer.buckets
          and offer.buckets >= 1 and offer.elsewhere and offer.wants) then
        offer = 'the offer terms are not integers and ids'
      end
    end
    offers[index] = offer
  end
  return offer
end

-- The rate counters this attempt adds to, counted once its answer is known
-- (an attempt counts whatever the answer, but only once nothing can fail).
local countKeys, countKeysN = {}, 0
-- The counters MGET found absent, to tell absent from another type.
local absent = {}
local function counted(code, orderId, remaining)
  for i = 1, countKeysN do
    if redis.call('INCR', countKeys[i]) == 1 then redis.call('EXPIRE', countKeys[i], rateWindow) end
  end
  return code, orderId, remaining
end

-- A count kept as text (attempts, units held): 0 when absent, nil when it is not an integer.
local function countOf(text)
  if not text then return 0 end
  return integerOf(text)
end

local function failed(why)
  return Code.CommandFailed, why, -1
end

-- Decides one order, reading only, and writes it at the end: see the docblock.
local function reserveOne(k, packed)
  countKeysN = 0
  local offerIndex, orderId, userId, quantity, fingerprint, issuedAt, buckets, idempotency =
    string.match(packed, '^(%d+) (%S+) (%S+) (%d+) (%S+) (%d+) (%d+) (.*)$')
  offerIndex, quantity, issuedAt, buckets = integerOf(offerIndex), integerOf(quantity), integerOf(issuedAt),
    integerOf(buckets)
  if not (offerIndex and offerIndex >= 1 and offerIndex <= offerCount and quantity and quantity >= 1 and issuedAt
      and buckets) then
    return failed('the order arguments are malformed')
  end
  local stockKey, buyersKey = KEYS[3 * offerIndex], KEYS[3 * offerIndex + 2]
  local idempotencyKey, orderKey = KEYS[k + 1], KEYS[k + 2]

  -- Everything this order reads that is a plain string, in one command.
  local found
  if keysPerOrder == 6 then
    found = redis.call('MGET', KEYS[k + 3], KEYS[k + 4], idempotencyKey, stockKey, KEYS[k + 5], KEYS[k + 6])
  else
    found = redis.call('MGET', KEYS[k + 3], KEYS[k + 4], idempotencyKey, stockKey)
  end
  local revokedToken, revokedUpTo, first, stock = found[1], found[2], found[3], found[4]

  -- Logout takes effect on the very next request, checked here so that it costs no extra round trip.
  if revokedToken or (revokedUpTo and issuedAt > 0 and issuedAt <= tonumber(revokedUpTo)) then
    return Code.TokenRevoked, '', -1
  end
  -- Before anything this partition keeps for the buyer (rate, idempotency, units): with another
  -- bucket count, the buyer's records are in another bucket's partition.
  local offer = offerOf(offerIndex)
  if type(offer) == 'table' and offer.buckets ~= buckets then
    return Code.WrongBuckets, '', offer.buckets
  end
  if keysPerOrder == 6 then
    -- Fixed windows: the first attempt in a window starts its clock. A buyer
    -- over its own limit is not counted against its address.
    local limited, absentN = nil, 0
    for i = 1, 2 do
      local limit = i == 1 and perBuyer or perClient
      if limit > 0 and not limited then
        local key, text = KEYS[k + 4 + i], found[4 + i]
        local attempts = countOf(text)
        if not attempts then return failed('a rate counter is not an integer') end
        if not text then
          absentN = absentN + 1
          absent[absentN] = key
        end
        countKeysN = countKeysN + 1
        countKeys[countKeysN] = key
        if attempts + 1 > limit then limited = key end
      end
    end
    -- MGET reads a key of another type as absent, and INCR would refuse it: one EXISTS for both.
    if absentN > 0 and redis.call('EXISTS', unpack(absent, 1, absentN)) > 0 then
      return failed('a rate counter holds another type')
    end
    if limited then
      return counted(Code.RateLimited, '', math.max(redis.call('TTL', limited), 1))
    end
  end

  if first then
    local space = string.find(first, ' ', 1, true)
    if not space then return failed('the idempotency record is malformed') end
    local firstOrderId = string.sub(first, space + 1)
    if string.sub(first, 1, space - 1) ~= fingerprint then
      return counted(Code.IdempotencyKeyReused, firstOrderId, -1)
    end
    return counted(Code.Replayed, firstOrderId, -1)
  end

  if not offer then return counted(Code.OfferNotFound, '', -1) end
  if type(offer) == 'string' then return failed(offer) end
  if nowMs < offer.startsAt then return counted(Code.NotStarted, '', -1) end
  if nowMs >= offer.endsAt then return counted(Code.Ended, '', -1) end

  -- Read for every order, limited or not: HINCRBY needs the buyer's field to be an integer,
  -- and HGET refuses a buyers key of another type before anything is written.
  local heldText = redis.call('HGET', buyersKey, userId)
  local held = countOf(heldText)
  if not held then return failed("the buyer's units are not an integer") end
  if offer.limit > 0 and held + quantity > offer.limit then
    return counted(Code.LimitReached, '', -1)
  end

  local remaining = 0
  if stock then
    remaining = integerOf(stock)
    if not remaining then return failed('the stock is not an integer') end
  elseif redis.call('TYPE', stockKey)['ok'] ~= 'none' then
    -- MGET reads a key of another type as absent.
    return failed('the stock key holds another type')
  end
  if remaining < quantity then
    if offer.buckets > 1 and offer.elsewhere > 0 then
      counted()
      redis.call('HINCRBY', KEYS[3 * offerIndex + 1], 'wants', quantity)
      return Code.Rebalancing, '', remaining
    end
    return counted(Code.SoldOut, '', remaining)
  end

  local total = offer.price * quantity
  if total > MAX_EXACT then return failed('the total is too large to be exact') end
  if not streamUsable then return failed('the orders stream key holds another type') end

  -- Everything written is built before the first write.
  local record = fingerprint .. ' ' .. orderId
  local state = orderStateText('pending', nowMs, 1, userId, quantity, offer.price, total, nowMs,
    offer.productId, offer.saleId, orderId, idempotency)
  -- One JSON field of strings, as every event (JSON_FIELD in packages/streams/src/entries.ts);
  -- the order's whole snapshot, as every order event carries it.
  local event = cjson.encode({
    type = 'order.placed', orderId = orderId, seq = '1', userId = userId, saleId = offer.saleId,
    productId = offer.productId, quantity = int(quantity), unitPrice = int(offer.price),
    total = int(total), idempotencyKey = idempotency, placedAt = int(nowMs) })

  counted()
  remaining = redis.call('DECRBY', stockKey, quantity)
  redis.call('HINCRBY', buyersKey, userId, quantity)
  redis.call('SET', idempotencyKey, record, 'PXAT', idempotencyExpiresAt)
  redis.call('SET', orderKey, state, 'PXAT', orderExpiresAt)
  redis.call('XADD', streamKey, '*', 'json', event)
  return Code.Placed, orderId, remaining
end

local replies = {}
for i = 1, #ARGV - 6 do
  local ok, code, orderId, remaining = pcall(reserveOne, firstOrderKey + keysPerOrder * (i - 1), ARGV[6 + i])
  if not ok then
    -- A read Redis refused (a key of another type), before any write: an error
    -- raised by redis.call is a table whose err field holds the message.
    code, orderId, remaining = Code.CommandFailed, type(code) == 'table' and code.err or tostring(code), -1
  end
  replies[#replies + 1] = code
  replies[#replies + 1] = orderId
  replies[#replies + 1] = remaining
end
return replies
