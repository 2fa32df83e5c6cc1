-- wrk script: POST /orders, each request with its own buyer token and its own
-- Idempotency-Key, counting answers by status code across threads.
-- Environment: BENCH_TOKENS (file, one token per line), BENCH_BODY (JSON body),
-- BENCH_RUN (unique per run, so keys never repeat across runs).

local tokens = {}
for line in io.lines(os.getenv('BENCH_TOKENS')) do tokens[#tokens + 1] = line end
local body = os.getenv('BENCH_BODY')
local run = os.getenv('BENCH_RUN') or tostring(os.time())
local threads = {}
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set('id', thread_id)
  threads[#threads + 1] = thread
end

function init(args)
  statuses = {}
  counter = 0
end

function request()
  counter = counter + 1
  local token = tokens[((counter * 7919 + id * 104729) % #tokens) + 1]
  local headers = {
    ['content-type'] = 'application/json',
    ['authorization'] = 'Bearer ' .. token,
    ['idempotency-key'] = run .. '-' .. id .. '-' .. counter,
  }
  return wrk.format('POST', '/orders', headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get('statuses')) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do parts[#parts + 1] = status .. '=' .. n end
  io.write('STATUS ' .. table.concat(parts, ' ') .. '\n')
  io.write(string.format('LATENCY p50=%.2f p90=%.2f p99=%.2f max=%.2f\n',
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format('RPS %.0f\n', summary.requests / (summary.duration / 1e6)))
end
