-- Shared by the bench's wrk scripts: counts answers by status across threads
-- and prints one block at the end that bench/lib/wrk.ts parses. With
-- BENCH_CODES=1 a refusal is counted by its error code too ("409:sold_out"),
-- which costs the driver a pattern match per answer, so only the sellout asks.

local M = {}
local threads = {}
local by_code = os.getenv('BENCH_CODES') == '1'

function M.setup(thread)
  threads[#threads + 1] = thread
  thread:set('id', #threads)
end

function M.init()
  statuses = {}
end

function M.response(status, headers, body)
  local key = status
  if by_code and status >= 400 and body then
    local code = body:match('"code"%s*:%s*"([%w_]+)"')
    if code then key = status .. ':' .. code end
  end
  statuses[key] = (statuses[key] or 0) + 1
end

function M.done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get('statuses')) do
      totals[key] = (totals[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(totals) do parts[#parts + 1] = key .. '=' .. n end
  local e = summary.errors
  io.write('STATUS ' .. table.concat(parts, ' ') .. '\n')
  io.write(string.format('LATENCY p50=%.3f p90=%.3f p99=%.3f max=%.3f\n',
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format('REQUESTS %d DURATION_US %d\n', summary.requests, summary.duration))
  io.write(string.format('ERRORS connect=%d read=%d write=%d timeout=%d\n',
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format('RPS %.0f\n', summary.requests / (summary.duration / 1e6)))
end

return M
