import { defaults } from '@flash/config'
import { parseMetrics } from '@flash/testing'

/** Cumulative answers of one route by bucket bound (seconds; Infinity for `+Inf`). */
export type RouteDurations = Map<number, number>

/**
 * The app's own `http_request_duration_seconds` buckets for one method and
 * route, summed over status classes: what an operator's dashboard shows,
 * timed from the moment Bun hands the request to the app to the moment the
 * answer goes back. The bench's apps run with the development service
 * credential, which `/metrics` asks for.
 *
 * @example
 * const before = await scrapeDurations(stack.url, 'POST', '/orders')
 */
export async function scrapeDurations(
  url: string,
  method: string,
  route: string,
): Promise<RouteDurations> {
  const answer = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${defaults.devServiceToken}` },
  })
  if (!answer.ok) throw new Error(`GET ${url}/metrics answered ${answer.status}`)
  const samples =
    parseMetrics(await answer.text()).families.get('http_request_duration_seconds')?.samples ?? []
  const buckets: RouteDurations = new Map()
  for (const { name, labels, value } of samples) {
    if (name !== 'http_request_duration_seconds_bucket') continue
    if (labels.method !== method || labels.route !== route) continue
    const bound = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le)
    buckets.set(bound, (buckets.get(bound) ?? 0) + value)
  }
  return buckets
}

/** What the app's own clock said about the answers between two scrapes. */
export type AppLatency = {
  answered: number
  /** Share of them answered within 10 ms (a bucket bound, so exact). */
  within10ms: number
  /** The 99th percentile, interpolated linearly inside its bucket (null past the last bound). */
  p99Ms: number | null
}

/**
 * @example
 * appLatency(before, after) // { answered: 130000, within10ms: 0.994, p99Ms: 8.7 }
 */
export function appLatency(before: RouteDurations, after: RouteDurations): AppLatency {
  const bounds = [...after.keys()].sort((a, b) => a - b)
  const cumulative = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0))
  const answered = cumulative.at(-1) ?? 0
  const within = (seconds: number) => cumulative[bounds.indexOf(seconds)] ?? 0
  return {
    answered,
    within10ms: answered === 0 ? 0 : within(0.01) / answered,
    p99Ms: percentileMs(bounds, cumulative, 0.99),
  }
}

function percentileMs(bounds: number[], cumulative: number[], q: number): number | null {
  const total = cumulative.at(-1) ?? 0
  if (total === 0) return null
  const rank = q * total
  const i = cumulative.findIndex((count) => count >= rank)
  const upper = bounds[i] as number
  if (!Number.isFinite(upper)) return null
  const lower = i === 0 ? 0 : (bounds[i - 1] as number)
  const below = i === 0 ? 0 : (cumulative[i - 1] as number)
  const inBucket = (cumulative[i] as number) - below
  const fraction = inBucket === 0 ? 1 : (rank - below) / inBucket
  return (lower + (upper - lower) * fraction) * 1000
}
