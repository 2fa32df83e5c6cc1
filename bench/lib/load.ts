/**
 * What a load driver measured, in one shape whichever driver ran (wrk or oha),
 * so the report and the ratios never care which one it was.
 *
 * @example
 * const load: LoadResult = parseWrk(stdout)
 * load.statuses['202'] // answers counted with status 202
 */
export type LoadResult = {
  driver: 'wrk' | 'oha'
  seconds: number
  requests: number
  rps: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  /** By status, or `status:code` when the driver counted error codes ("409:sold_out"). */
  statuses: Record<string, number>
  /** Requests that got no answer: connect/read/write errors, timeouts, deadline aborts. */
  errors: Record<string, number>
}

/**
 * Answers with a given status, summed over error codes ("409" counts "409:sold_out" too).
 *
 * @example
 * countStatus({ '202': 5, '409:sold_out': 2, '409:limit_reached': 1 }, 409) // 3
 */
export function countStatus(statuses: Record<string, number>, status: number): number {
  let n = 0
  for (const [key, count] of Object.entries(statuses))
    if (key === String(status) || key.startsWith(`${status}:`)) n += count
  return n
}

/**
 * Reads the block bench/lib/counts.lua prints at the end of a wrk run.
 *
 * @example
 * parseWrk('STATUS 202=10\nLATENCY p50=1 p90=2 p99=3 max=4\nREQUESTS 10 DURATION_US 1000000\nRPS 10\n').rps // 10
 */
export function parseWrk(stdout: string): LoadResult {
  const line = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(stdout)?.[1]
  const pairs = (text = '') =>
    Object.fromEntries(
      text
        .split(' ')
        .filter((part) => part.includes('='))
        .map((part) => {
          const at = part.lastIndexOf('=')
          return [part.slice(0, at), Number(part.slice(at + 1))]
        }),
    ) as Record<string, number>
  const rps = line('RPS')
  if (rps === undefined) throw new Error(`wrk printed no results:\n${stdout.slice(-2000)}`)
  const latency = pairs(line('LATENCY'))
  const [, requests = '0', duration = '0'] =
    /^REQUESTS (\d+) DURATION_US (\d+)$/m.exec(stdout) ?? []
  return {
    driver: 'wrk',
    seconds: Number(duration) / 1e6,
    requests: Number(requests),
    rps: Number(rps),
    latencyMs: {
      p50: latency.p50 ?? 0,
      p90: latency.p90 ?? 0,
      p99: latency.p99 ?? 0,
      max: latency.max ?? 0,
    },
    statuses: pairs(line('STATUS')),
    errors: Object.fromEntries(Object.entries(pairs(line('ERRORS'))).filter(([, n]) => n > 0)),
  }
}

/** The part of `oha -j` output (schema.json in hatoo/oha) the bench reads. */
type OhaJson = {
  summary: { total: number; slowest: number; requestsPerSec: number }
  latencyPercentiles: { p50: number; p90: number; p99: number }
  statusCodeDistribution: Record<string, number>
  errorDistribution: Record<string, number>
}

/**
 * Reads oha's JSON output (seconds become milliseconds).
 *
 * @example
 * parseOha(JSON.parse(stdout)).latencyMs.p99
 */
export function parseOha(json: unknown): LoadResult {
  const out = json as OhaJson
  const statuses = out.statusCodeDistribution ?? {}
  const ms = (seconds: number | undefined) => (seconds ?? 0) * 1000
  return {
    driver: 'oha',
    seconds: out.summary.total,
    requests: Object.values(statuses).reduce((a, b) => a + b, 0),
    rps: out.summary.requestsPerSec,
    latencyMs: {
      p50: ms(out.latencyPercentiles.p50),
      p90: ms(out.latencyPercentiles.p90),
      p99: ms(out.latencyPercentiles.p99),
      max: ms(out.summary.slowest),
    },
    statuses,
    errors: out.errorDistribution ?? {},
  }
}
