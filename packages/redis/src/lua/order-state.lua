--[[
  The order-state string: an order's live state as one string of
  space-separated words, written with its TTL in one SET. Included by the
  scripts that write or read it (`-- @include order-state.lua`); its
  TypeScript side is order-state.ts, and a test round-trips a state through
  both.

    <status> <updatedAt ms> <userId> <quantity> <unitPrice> <total> <createdAt ms> <productId> <saleId, '-' for none> <orderId>

  Status and time come first because they are what a move changes. Every
  field is one word: reserve.ts checks ids for that before they get here.
]]

-- saleId is '' for a product bought at its list price.
local function orderStateText(status, updatedAtMs, userId, quantity, unitPrice, total, createdAtMs,
                              productId, saleId, orderId)
  if saleId == '' then saleId = '-' end
  return status .. ' ' .. updatedAtMs .. ' ' .. userId .. ' ' .. quantity .. ' ' .. unitPrice .. ' ' ..
    total .. ' ' .. createdAtMs .. ' ' .. productId .. ' ' .. saleId .. ' ' .. orderId
end

-- The fields in the order orderStateText takes them, as strings (saleId '' for none);
-- nothing when the text is not an order state.
local function parseOrderState(text)
  local status, updatedAtMs, userId, quantity, unitPrice, total, createdAtMs, productId, saleId, orderId =
    string.match(text, '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$')
  if saleId == '-' then saleId = '' end
  return status, updatedAtMs, userId, quantity, unitPrice, total, createdAtMs, productId, saleId, orderId
end
