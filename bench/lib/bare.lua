-- wrk script: GET /bare/<n>, a different parameter per request, counting
-- answers like orders.lua so both scenarios pay the same driver overhead.

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')
local counter = 0

setup = counts.setup
response = counts.response
done = counts.done

function init(args)
  counts.init()
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format('GET', '/bare/' .. (id * 100000000 + counter))
end
