-- wrk script: orders.lua over several sales at once, request n going to sale
-- n mod count, so a stampede reaches every partition (one sale in each).
-- Environment: as orders.lua, with BENCH_BODIES (JSON bodies, one a line)
-- in place of BENCH_BODY.

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')

local bodies = {}
for body in os.getenv('BENCH_BODIES'):gmatch('[^\n]+') do bodies[#bodies + 1] = body end
local run = os.getenv('BENCH_RUN') or tostring(os.time())
-- heads[b][buyer] and tails[b]: each body's requests formatted once, as in orders.lua.
local heads = {}
local tails = {}
local counter = 0

setup = counts.setup
response = counts.response
done = counts.done

function init(args)
  counts.init()
  counter = 0
  local mark = '\0KEY\0'
  for b, body in ipairs(bodies) do
    heads[b] = {}
    for token in io.lines(os.getenv('BENCH_TOKENS')) do
      local request = wrk.format('POST', '/orders', {
        ['content-type'] = 'application/json',
        ['authorization'] = 'Bearer ' .. token,
        ['idempotency-key'] = mark,
      }, body)
      local at = request:find(mark, 1, true)
      heads[b][#heads[b] + 1] = request:sub(1, at - 1) .. run .. '-' .. id .. '-'
      tails[b] = tails[b] or request:sub(at + #mark)
    end
  end
end

function request()
  counter = counter + 1
  local b = (counter % #bodies) + 1
  local buyers = heads[b]
  return buyers[((counter * 7919 + id * 104729) % #buyers) + 1] .. counter .. tails[b]
end
