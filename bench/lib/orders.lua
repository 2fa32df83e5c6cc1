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
-- heads[b][buyer] and tails[b][buyer]: body b's requests, one per buyer.
local heads = {}
local tails = {}
local counter = 0
-- Where this thread starts its walk over the buyers (set by init).
local start = 0

setup = counts.setup
response = counts.response
done = counts.done

-- Each body's request is formatted once, by wrk.format itself, around two
-- placeholders (the token and the key); a buyer's request is then that
-- buyer's head, a counter and that buyer's tail. Formatting every request
-- from scratch cost the driver twice what it costs for bare.lua, CPU taken
-- from the server on a two-core machine.
--
-- wrk.format writes the headers in `pairs` order, and LuaJIT seeds its
-- string hashes at random per Lua state: in each wrk thread the token may
-- come before the key or after it. So the token goes in whichever side of the
-- key it landed in, and no side is shared between buyers: a tail shared by
-- all (the first buyer's, as it once was) sent every request of a thread whose
-- token came after the key with the first buyer's token.
local function split(text, mark)
  local at = text:find(mark, 1, true)
  return text:sub(1, at - 1), text:sub(at + #mark)
end

function init(args)
  counts.init()
  counter = 0
  local tokenMark, keyMark = '\0TOKEN\0', '\0KEY\0'
  for b, body in ipairs(bodies) do
    local template = wrk.format('POST', '/orders', {
      ['content-type'] = 'application/json',
      ['authorization'] = 'Bearer ' .. tokenMark,
      ['idempotency-key'] = keyMark,
    }, body)
    local before, after = split(template, tokenMark)
    heads[b], tails[b] = {}, {}
    for token in io.lines(os.getenv('BENCH_TOKENS')) do
      local head, tail = split(before .. token .. after, keyMark)
      heads[b][#heads[b] + 1] = head .. run .. '-' .. id .. '-'
      tails[b][#tails[b] + 1] = tail
    end
  end
  -- Threads start their walks the golden ratio of the buyers apart, so any
  -- number of them stay far from one another on the walk (not a few requests
  -- apart, as an offset of id * prime was for 1000 buyers).
  start = math.floor(id * 0.6180339887498949 * #heads[1])
end

function request()
  counter = counter + 1
  local b = (counter % #bodies) + 1
  local buyers = heads[b]
  -- 7919 is prime, so consecutive requests of a thread walk through every buyer
  -- before one comes back (for any token count it does not divide).
  local buyer = (((start + counter) * 7919) % #buyers) + 1
  return buyers[buyer] .. counter .. tails[b][buyer]
end
