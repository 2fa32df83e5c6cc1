-- wrk script: POST /orders, each request with its own buyer token and its own
-- Idempotency-Key, counting answers by status code across threads.
-- Environment: BENCH_TOKENS (file, one token per line), BENCH_BODY (JSON body)
-- or BENCH_BODIES (several, one a line: request n goes to body n mod count, so
-- a stampede over one sale per partition reaches every partition), BENCH_RUN
-- (unique per run, so keys never repeat across runs), BENCH_CODES=1 to count
-- refusals by error code (see counts.lua).

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')

local bodies = {}
for body in (os.getenv('BENCH_BODIES') or os.getenv('BENCH_BODY')):gmatch('[^\n]+') do
  bodies[#bodies + 1] = body
end
local run = os.getenv('BENCH_RUN') or tostring(os.time())
-- heads[b][buyer] and tails[b]: body b's requests, one per buyer.
local heads = {}
local tails = {}
local counter = 0

setup = counts.setup
response = counts.response
done = counts.done

-- Each buyer's request is formatted once, by wrk.format itself, around a
-- placeholder key; a request is then that buyer's head, a counter and the
-- tail. Formatting every request from scratch cost the driver twice what it
-- costs for bare.lua, CPU taken from the server on a two-core machine.
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
  -- 7919 is prime, so consecutive requests of a thread walk through every buyer
  -- before one comes back (for any token count it does not divide).
  return buyers[((counter * 7919 + id * 104729) % #buyers) + 1] .. counter .. tails[b]
end
