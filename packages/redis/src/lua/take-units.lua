--[[
  Take the units of a stock transfer out of the giving bucket (step 2 of a
  transfer between two buckets of a sale: apps/worker/src/buckets/transfer.ts),
  once per transfer id: the marker records what this bucket did with the
  transfer ('taken' or 'void'), so a retried call after a crash or a timeout
  answers the same word and never takes twice. MySQL (stock_transfers) is the
  arbiter; this script only makes the Redis side of the step happen once.

  Every key shares the giving bucket's partition tag.

  KEYS[1] stock       string  units left in the giving bucket
  KEYS[2] marker      string  transferKey(partition, transferId): 'taken' or 'void'
  KEYS[3] generation  string  the partition's generation marker (generation.lua)

  ARGV[1] mode      'take' (the transfer was just recorded) or 'void' (the
                    worker resumes a transfer found in 'taking': it takes
                    nothing, it only learns whether the take happened and
                    stops a late one from happening)
  ARGV[2] units     integer > 0
  ARGV[3] ttl       seconds the marker is kept (longer than a transfer can stay unfinished)
  ARGV[4] expected  mode 'take' only: the generation marker's whole value read
                    before the transfer was recorded in MySQL. A recovery of
                    the partition since then stamped another one, and may
                    already have voided the transfer in MySQL after its
                    rebuild: a take now would lose the units, so it is refused.

  Returns { code, remaining }, or an error (nothing changed) when an argument
  or the stock is not an integer.
  Code is TakeUnitsCode (script-codes.ts), which the loader defines above this script:
    Taken       the units left the bucket (now, or by an earlier call); remaining = stock
    Void        the transfer will never take anything here: the bucket had too
                few units, or the worker voided it; remaining = stock
    Recovering  the partition has not been checked against MySQL on this server
                (generation.lua), or was recovered since `expected`: nothing changed
]]
-- @include integers.lua
-- @include generation.lua

local stockKey, markerKey, generation = KEYS[1], KEYS[2], KEYS[3]
local mode = ARGV[1]
local units, ttl = integerOf(ARGV[2]), integerOf(ARGV[3])
if mode ~= 'take' and mode ~= 'void' then return redis.error_reply('take-units.lua: mode is take or void') end
if not (units and units > 0 and ttl and ttl > 0) then
  return redis.error_reply('take-units.lua: units and ttl must be positive integers')
end

local function stockNow()
  local text = redis.call('GET', stockKey)
  if not text then return 0 end
  local n = integerOf(text)
  if not n then return nil end
  return n
end

if not generationCurrent(generation) then return { Code.Recovering, 0 } end
if mode == 'take' and redis.call('GET', generation) ~= ARGV[4] then return { Code.Recovering, 0 } end

local stock = stockNow()
if not stock then return redis.error_reply('take-units.lua: the stock is not an integer') end

local marker = redis.call('GET', markerKey)
if marker == 'taken' then return { Code.Taken, stock } end
if marker then return { Code.Void, stock } end

if mode == 'take' and stock >= units then
  local remaining = redis.call('DECRBY', stockKey, units)
  redis.call('SET', markerKey, 'taken', 'EX', ttl)
  return { Code.Taken, remaining }
end
redis.call('SET', markerKey, 'void', 'EX', ttl)
return { Code.Void, stock }
