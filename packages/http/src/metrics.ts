import type { MetricFamily, MetricSample } from './prometheus.ts'

/**
 * The upper bounds (seconds) of `http_request_duration_seconds`'s buckets:
 * from half a millisecond (checkout's whole hot path is a fraction of one)
 * to the gateway's 10 s upstream timeout.
 */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

/** Methods counted under their own name; any other (a client may send any token) is `other`. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'] as const

/** Everything answered with one method, route and status. */
class Series {
  count = 0
  sum = 0
  /** Per bucket, not cumulative (the last one is above every bound); summed up when rendered. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1)

  constructor(
    readonly method: string,
    readonly route: string,
    readonly status: number,
  ) {}
}

/**
 * Requests answered, counted by method, route pattern and status, with how
 * long each took, rendered as Prometheus families. The hot path's share is
 * two map lookups (the route pattern is a string Elysia keeps, the rest a
 * number) and a few additions; labels are bounded whatever clients send:
 * the route is a pattern or `unmatched`, never a path, and an unknown method
 * is `other`.
 *
 * @example
 * const metrics = new RequestMetrics()
 * metrics.observe('POST', '/orders', 202, 0.0004)
 * metrics.families() // http_requests_total, http_request_duration_seconds, process_*
 */
export class RequestMetrics {
  /** Route pattern, then method index * 1000 + status. */
  readonly #series = new Map<string, Map<number, Series>>()
  readonly #started = Date.now()

  observe(method: string, route: string, status: number, seconds: number): void {
    let byRoute = this.#series.get(route)
    if (byRoute === undefined) {
      byRoute = new Map()
      this.#series.set(route, byRoute)
    }
    const methodIndex = indexOfMethod(method)
    const key = methodIndex * 1000 + status
    let series = byRoute.get(key)
    if (series === undefined) {
      series = new Series(METHODS[methodIndex] as string, route, status)
      byRoute.set(key, series)
    }
    series.count++
    series.sum += seconds
    let bucket = 0
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number))
      bucket++
    series.buckets[bucket] = (series.buckets[bucket] as number) + 1
  }

  families(): MetricFamily[] {
    const counts = new Map<string, MetricSample>()
    const histograms = new Map<
      string,
      { labels: Record<string, string>; count: number; sum: number; buckets: Float64Array }
    >()
    for (const byRoute of this.#series.values())
      for (const series of byRoute.values()) {
        const route = routeLabel(series.route)
        const countKey = `${series.method} ${route} ${series.status}`
        const counted = counts.get(countKey)
        if (counted) counted.value += series.count
        else
          counts.set(countKey, {
            labels: { method: series.method, route, status: String(series.status) },
            value: series.count,
          })
        const statusClass = `${Math.floor(series.status / 100)}xx`
        const histogramKey = `${series.method} ${route} ${statusClass}`
        let histogram = histograms.get(histogramKey)
        if (!histogram) {
          histogram = {
            labels: { method: series.method, route, status: statusClass },
            count: 0,
            sum: 0,
            buckets: new Float64Array(DURATION_BUCKETS.length + 1),
          }
          histograms.set(histogramKey, histogram)
        }
        histogram.count += series.count
        histogram.sum += series.sum
        for (let i = 0; i < series.buckets.length; i++)
          histogram.buckets[i] = (histogram.buckets[i] as number) + (series.buckets[i] as number)
      }

    const durations: MetricSample[] = []
    for (const { labels, count, sum, buckets } of histograms.values()) {
      let cumulative = 0
      for (const [i, bound] of DURATION_BUCKETS.entries()) {
        cumulative += buckets[i] as number
        durations.push({
          name: 'http_request_duration_seconds_bucket',
          labels: { ...labels, le: String(bound) },
          value: cumulative,
        })
      }
      durations.push(
        {
          name: 'http_request_duration_seconds_bucket',
          labels: { ...labels, le: '+Inf' },
          value: count,
        },
        { name: 'http_request_duration_seconds_sum', labels, value: sum },
        { name: 'http_request_duration_seconds_count', labels, value: count },
      )
    }
    return [
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'Requests answered, by method, route pattern and status.',
        samples: [...counts.values()],
      },
      {
        name: 'http_request_duration_seconds',
        type: 'histogram',
        help: 'Time from a request reaching the app to its answer being handed to Bun, by method, route pattern and status class.',
        samples: durations,
      },
      {
        name: 'process_uptime_seconds',
        type: 'gauge',
        help: 'Seconds since the process started serving.',
        samples: [{ value: (Date.now() - this.#started) / 1000 }],
      },
      {
        name: 'process_resident_memory_bytes',
        type: 'gauge',
        help: 'Resident set size of the process.',
        samples: [{ value: process.memoryUsage.rss() }],
      },
    ]
  }
}

function indexOfMethod(method: string): number {
  switch (method) {
    case 'GET':
      return 0
    case 'HEAD':
      return 1
    case 'POST':
      return 2
    case 'PUT':
      return 3
    case 'PATCH':
      return 4
    case 'DELETE':
      return 5
    case 'OPTIONS':
      return 6
    default:
      return 7
  }
}

/** A route mounted under a prefix reads '/orders/' in Elysia; it is the same route as '/orders'. */
function routeLabel(route: string): string {
  return route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route
}
