-- wrk script: POST /orders, each request with its own buyer token and its own
-- Idempotency-Key, counting answers by status code across threads.
-- Environment: BENCH_TOKENS (file, one token per line), BENCH_BODY (JSON body),
-- BENCH_RUN (unique per run, so keys never repeat across runs), BENCH_CODES=1
-- to count refusals by error code (see counts.lua).

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')

local body = os.getenv('BENCH_BODY')
local run = os.getenv('BENCH_RUN') or tostring(os.time())
local heads = {}
local tail
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
  for token in io.lines(os.getenv('BENCH_TOKENS')) do
    local request = wrk.format('POST', '/orders', {
      ['content-type'] = 'application/json',
      ['authorization'] = 'Bearer ' .. token,
      ['idempotency-key'] = mark,
    }, body)
    local at = request:find(mark, 1, true)
    heads[#heads + 1] = request:sub(1, at - 1) .. run .. '-' .. id .. '-'
    tail = tail or request:sub(at + #mark)
  end
end

function request()
  counter = counter + 1
  -- 7919 is prime, so consecutive requests of a thread walk through every buyer
  -- before one comes back (for any token count it does not divide).
  return heads[((counter * 7919 + id * 104729) % #heads) + 1] .. counter .. tail
end
