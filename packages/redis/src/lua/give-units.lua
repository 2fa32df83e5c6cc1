--[[
  Give the units of a stock transfer to the receiving bucket (step 4 of a
  transfer between two buckets of a sale: apps/worker/src/buckets/transfer.ts),
  once per transfer id: the marker says it was given, so a retried call after
  a crash or a timeout adds nothing. A recovery of the partition writes the
  same marker for every transfer its rebuilt stock already counts (its
  allotment moved in MySQL), so a give after the rebuild adds nothing either.

  Every key shares the receiving bucket's partition tag.

  KEYS[1] stock       string  units left in the receiving bucket
  KEYS[2] marker      string  transferKey(partition, transferId): 'given'
  KEYS[3] generation  string  the partition's generation marker (generation.lua)

  ARGV[1] units  integer > 0
  ARGV[2] ttl    seconds the marker is kept (longer than a transfer can stay unfinished)

  Returns { code, remaining }, or an error (nothing changed) when an argument
  or the stock is not an integer.
  Code is GiveUnitsCode (script-codes.ts), which the loader defines above this script:
    Given         the units were added; remaining = stock after
    AlreadyGiven  an earlier call (or a recovery) gave them: nothing changed; remaining = stock
    Recovering    the partition has not been checked against MySQL on this
                  server (generation.lua): nothing changed
]]
-- @include integers.lua
-- @include generation.lua

local stockKey, markerKey, generation = KEYS[1], KEYS[2], KEYS[3]
local units, ttl = integerOf(ARGV[1]), integerOf(ARGV[2])
if not (units and units > 0 and ttl and ttl > 0) then
  return redis.error_reply('give-units.lua: units and ttl must be positive integers')
end

if not generationCurrent(generation) then return { Code.Recovering, 0 } end

local text = redis.call('GET', stockKey)
local stock = 0
if text then
  stock = integerOf(text)
  if not stock then return redis.error_reply('give-units.lua: the stock is not an integer') end
end

if redis.call('EXISTS', markerKey) == 1 then return { Code.AlreadyGiven, stock } end
local remaining = redis.call('INCRBY', stockKey, units)
redis.call('SET', markerKey, 'given', 'EX', ttl)
return { Code.Given, remaining }
