--[[
  Integers in scripts. Lua numbers are doubles, and `..` and tostring write
  them with 14 significant digits ("1e+15"), so every integer a script puts
  into text goes through int(). A number read from a key or an argument is
  used only through integerOf(): an integer of at most 2^53 - 1 either way is
  held exactly by a double, and INCRBY, DECRBY and HINCRBY take it, so a
  script that checked its inputs with it cannot have a later write refused.
  Included by the scripts (`-- @include integers.lua`).
]]

-- Every digit of an integer (string.format's %d is a C long here: 64 bits).
local function int(n)
  return string.format('%d', n)
end

-- 2^53 - 1: a double holds it and every integer below it exactly.
local MAX_EXACT = 9007199254740991

-- The integer a text holds, or nil: an optional '-' and at most 16 digits, within MAX_EXACT.
local function integerOf(text)
  if type(text) ~= 'string' or #text > 17 or not string.find(text, '^%-?%d+$') then return nil end
  local n = tonumber(text)
  if n > MAX_EXACT or n < -MAX_EXACT then return nil end
  return n
end
