-- wrk script: POST /orders, each request with its own buyer token and its own
-- Idempotency-Key, counting answers by status code across threads.
-- Environment: BENCH_TOKENS (file, one token per line), BENCH_BODY (JSON body),
-- BENCH_RUN (unique per run, so keys never repeat across runs), BENCH_CODES=1
-- to count refusals by error code (see counts.lua).

package.path = (debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. '?.lua;' .. package.path
local counts = require('counts')

local tokens = {}
for line in io.lines(os.getenv('BENCH_TOKENS')) do tokens[#tokens + 1] = line end
local body = os.getenv('BENCH_BODY')
local run = os.getenv('BENCH_RUN') or tostring(os.time())
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
  -- 7919 is prime, so consecutive requests of a thread walk through every buyer
  -- before one comes back (for any token count it does not divide).
  local token = tokens[((counter * 7919 + id * 104729) % #tokens) + 1]
  local headers = {
    ['content-type'] = 'application/json',
    ['authorization'] = 'Bearer ' .. token,
    ['idempotency-key'] = run .. '-' .. id .. '-' .. counter,
  }
  return wrk.format('POST', '/orders', headers, body)
end
