--[[
  Take units from an offer's live counter for a new flash sale, all of them
  or none, so a checkout decrement in between cannot make it go negative.

  KEYS[1] stock     string  units left of the product's list-price offer

  ARGV[1] quantity  positive integer

  Returns { code, remaining }
    1  taken                   remaining = units left after taking
   -1  no counter (never published): nothing taken, remaining = 0
   -2  not enough units        remaining = units there are
]]
local stockKey = KEYS[1]
local quantity = tonumber(ARGV[1])

local current = redis.call('GET', stockKey)
if not current then
  return { -1, 0 }
end
current = tonumber(current)
if current < quantity then
  return { -2, current }
end
return { 1, redis.call('DECRBY', stockKey, quantity) }
