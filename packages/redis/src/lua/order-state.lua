--[[
  The order-state string: an order's live state as one string of
  space-separated words, written with its TTL in one SET. Included by the
  scripts that write or read it (`-- @include order-state.lua`); its
  TypeScript side is order-state.ts, and a test round-trips a state through
  both.

    <status> <updatedAt ms> <seq> <userId> <quantity> <unitPrice> <total> <createdAt ms> <productId> <saleId, '-' for none> <orderId> <idempotency key>

  Status, time and seq come first because they are what a move changes; seq
  counts the changes (1 when placed, +1 on every move) and every order event
  carries it, so MySQL keeps the latest whatever order events arrive in.
  Every field is one word (reserve.ts checks ids for that before they get
  here) except the idempotency key, which may hold spaces: it is the rest of
  the string. The state holds everything the order's rows in MySQL need, so
  any one of its events can write them.
]]
-- @include integers.lua

-- saleId is '' for a product bought at its list price; numbers may be given as numbers or as text.
local function orderStateText(status, updatedAtMs, seq, userId, quantity, unitPrice, total, createdAtMs,
                              productId, saleId, orderId, idempotencyKey)
  if saleId == '' then saleId = '-' end
  return status .. ' ' .. int(updatedAtMs) .. ' ' .. int(seq) .. ' ' .. userId .. ' ' .. int(quantity) ..
    ' ' .. int(unitPrice) .. ' ' .. int(total) .. ' ' .. int(createdAtMs) .. ' ' .. productId .. ' ' ..
    saleId .. ' ' .. orderId .. ' ' .. idempotencyKey
end

-- The fields in the order orderStateText takes them, as strings (saleId '' for none);
-- nothing when the text is not an order state.
local function parseOrderState(text)
  local status, updatedAtMs, seq, userId, quantity, unitPrice, total, createdAtMs, productId, saleId, orderId,
    idempotencyKey = string.match(text,
      '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (.*)$')
  if saleId == '-' then saleId = '' end
  return status, updatedAtMs, seq, userId, quantity, unitPrice, total, createdAtMs, productId, saleId, orderId,
    idempotencyKey
end
