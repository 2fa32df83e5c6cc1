--[[
  Set an offer's stock to the value reconciliation computed, but only if no
  order event has been written since the computation started: the last entry
  of the partition's orders stream is still the watermark it read. Every
  change to a sale's stock (reserve, cancel, failure, return) writes to that
  stream in the same script, so an unchanged last entry means unchanged stock.
  Its one write comes last, after every read, so a failure changes nothing.

  KEYS[1] stock   string  units left
  KEYS[2] stream  stream  the partition's order events

  ARGV[1] expected   units left according to the record (MySQL)
  ARGV[2] watermark  id of the stream's last entry when the computation began ('' if empty)

  Returns { code, before }, or an error (nothing changed) when expected is not
  an integer or a key holds another type.
  Code is RepairStockCode (script-codes.ts), which the loader defines above this script:
    Repaired       before = the value it had (-1 if it was not an integer)
    AlreadyRight   before = expected
    EventsArrived  an order event came after the watermark: nothing changed, try again later
]]
-- @include integers.lua

local stockKey = KEYS[1]
local streamKey = KEYS[2]
local expected = integerOf(ARGV[1])
if not expected then return redis.error_reply('repair-stock.lua: expected is not an integer') end

local last = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)
local lastId = ''
if last[1] then lastId = last[1][1] end
if lastId ~= ARGV[2] then
  return { Code.EventsArrived, 0 }
end

local text = redis.call('GET', stockKey)
local before = 0
if text then before = integerOf(text) or -1 end
if before == expected then
  return { Code.AlreadyRight, before }
end
redis.call('SET', stockKey, expected)
return { Code.Repaired, before }
