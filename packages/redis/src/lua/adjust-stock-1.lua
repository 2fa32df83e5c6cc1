--[[
  Move an offer's live counter by a signed number of units, refusing to take
  it below zero, so an admin's stock change adds to (or takes from) whatever
  checkout has left instead of overwriting decrements made meanwhile.

  KEYS[1] stock  string  units left of an offer

  ARGV[1] delta  integer, negative to take units away

  Returns { code, remaining }
    1  moved                            remaining = units left after moving
   -1  no counter (never published): nothing changed, remaining = 0
   -2  would go below zero: nothing changed, remaining = units there are
]]
local stockKey = KEYS[1]
local delta = tonumber(ARGV[1])

local current = redis.call('GET', stockKey)
if not current then
  return { -1, 0 }
end
current = tonumber(current)
if current + delta < 0 then
  return { -2, current }
end
return { 1, redis.call('INCRBY', stockKey, delta) }
