--[[
  Integers in scripts. Lua numbers are doubles, and `..` and tostring write
  them with 14 significant digits ("1e+15"), so every integer a script puts
  into text goes through int(). A number read from a key or an argument is
  used only through integerOf(): an integer of at most 15 characters is held
  exactly by a double, and INCRBY, DECRBY and HINCRBY take it, so a script
  that checked its inputs with it cannot have a later write refused. Included
  by the scripts (`-- @include integers.lua`).
]]

-- Every digit of an integer (string.format's %d is a C long here: 64 bits).
local function int(n)
  return string.format('%d', n)
end

-- The integer a text holds, or nil: an optional '-' and digits, 15 characters at most.
local function integerOf(text)
  if type(text) ~= 'string' or #text > 15 or not string.find(text, '^%-?%d+$') then return nil end
  return tonumber(text)
end
