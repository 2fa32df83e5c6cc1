import { expect, it } from 'bun:test'
import { countStatus, parseOha, parseWrk } from '../lib/load.ts'

it('reads the block counts.lua prints at the end of a wrk run', () => {
  const stdout = [
    'Running 3s test @ http://127.0.0.1:4000',
    'STATUS 202=1000 409:sold_out=20 425:sale_not_started=5',
    'LATENCY p50=1.250 p90=2.500 p99=9.750 max=20.000',
    'REQUESTS 1025 DURATION_US 3000000',
    'ERRORS connect=0 read=0 write=0 timeout=3',
    'RPS 342',
  ].join('\n')
  expect(parseWrk(stdout)).toEqual({
    driver: 'wrk',
    seconds: 3,
    requests: 1025,
    rps: 342,
    latencyMs: { p50: 1.25, p90: 2.5, p99: 9.75, max: 20 },
    statuses: { '202': 1000, '409:sold_out': 20, '425:sale_not_started': 5 },
    errors: { timeout: 3 },
  })
})

it("reads oha's JSON output, in milliseconds", () => {
  const json = {
    summary: { total: 10, slowest: 0.05, requestsPerSec: 5000 },
    latencyPercentiles: { p50: 0.001, p90: 0.002, p99: 0.004 },
    statusCodeDistribution: { '409': 49990 },
    errorDistribution: { 'aborted due to deadline': 10 },
  }
  expect(parseOha(json)).toEqual({
    driver: 'oha',
    seconds: 10,
    requests: 49990,
    rps: 5000,
    latencyMs: { p50: 1, p90: 2, p99: 4, max: 50 },
    statuses: { '409': 49990 },
    errors: { 'aborted due to deadline': 10 },
  })
})

it('counts a status across its error codes', () => {
  expect(countStatus({ '202': 5, '409:sold_out': 2, '409:limit_reached': 1, '4090': 7 }, 409)).toBe(
    3,
  )
})
