--[[
  Move an offer's live counter by a signed number of units, refusing to take
  it below zero, so an admin's stock change adds to (or takes from) whatever
  checkout has left instead of overwriting decrements made meanwhile.

  KEYS[1] stock  string  units left of an offer

  ARGV[1] delta  integer, negative to take units away

  Returns { code, remaining }.
  Code is AdjustStockCode (script-codes.ts), which the loader defines above this script:
    Adjusted         remaining = units left after the change
    NoCounter        never published: nothing changed, remaining = 0
    WouldGoNegative  nothing changed, remaining = units there are
]]
local stockKey = KEYS[1]
local delta = tonumber(ARGV[1])

local current = redis.call('GET', stockKey)
if not current then
  return { Code.NoCounter, 0 }
end
current = tonumber(current)
if current + delta < 0 then
  return { Code.WouldGoNegative, current }
end
return { Code.Adjusted, redis.call('INCRBY', stockKey, delta) }
