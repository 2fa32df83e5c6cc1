--[[
  Move an offer's live counter by a signed number of units, refusing to take
  it below zero, so an admin's stock change adds to (or takes from) whatever
  checkout has left instead of overwriting decrements made meanwhile. Its one
  write comes last, after every check, so a failure changes nothing.

  KEYS[1] stock  string  units left of an offer

  ARGV[1] delta  integer, negative to take units away

  Returns { code, remaining }, or an error (nothing changed) when the delta or
  the counter is not an integer, or the counter holds another type.
  Code is AdjustStockCode (script-codes.ts), which the loader defines above this script:
    Adjusted         remaining = units left after the change
    NoCounter        never published: nothing changed, remaining = 0
    WouldGoNegative  nothing changed, remaining = units there are
]]
-- @include integers.lua

local stockKey = KEYS[1]
local delta = integerOf(ARGV[1])
if not delta then return redis.error_reply('adjust-stock.lua: the delta is not an integer') end

local text = redis.call('GET', stockKey)
if not text then
  return { Code.NoCounter, 0 }
end
local current = integerOf(text)
if not current then return redis.error_reply('adjust-stock.lua: the stock is not an integer') end
if current + delta < 0 then
  return { Code.WouldGoNegative, current }
end
return { Code.Adjusted, redis.call('INCRBY', stockKey, delta) }
