-- wrk script: GET /bare/<n>, a different parameter per request, counting
-- answers like orders.lua and formatting requests the same way (once, around
-- the part that changes), so both scenarios pay the same driver overhead.

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')
local counter = 0
local head, tail

setup = counts.setup
response = counts.response
done = counts.done

function init(args)
  counts.init()
  counter = 0
  local mark = '\0N\0'
  local request = wrk.format('GET', '/bare/' .. mark)
  local at = request:find(mark, 1, true)
  head = request:sub(1, at - 1) .. (id * 100000000)
  tail = request:sub(at + #mark)
end

function request()
  counter = counter + 1
  return head .. counter .. tail
end
