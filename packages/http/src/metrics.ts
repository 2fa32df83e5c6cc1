/**
 * Request counters in Prometheus text format: cheap enough for the hot path
 * (one map increment per request), and enough to see throughput and error
 * rates per route until a real metrics library earns its place.
 *
 * @example
 * const metrics = new RequestMetrics('checkout')
 * metrics.count('POST', '/orders', 202)
 * metrics.render() // '# TYPE http_requests_total counter\n...'
 */
export class RequestMetrics {
  readonly #counts = new Map<string, number>()
  readonly #started = Date.now()

  constructor(private readonly service: string) {}

  count(method: string, route: string, status: number): void {
    // A route mounted under a prefix reads '/orders/' in Elysia; it is the same route as '/orders'.
    const path = route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route
    const key = `method="${method}",route="${path}",status="${status}"`
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
  }

  render(extra: Record<string, number> = {}): string {
    const lines = [
      '# HELP http_requests_total Requests answered, by method, route and status.',
      '# TYPE http_requests_total counter',
      ...[...this.#counts].map(
        ([labels, n]) => `http_requests_total{service="${this.service}",${labels}} ${n}`,
      ),
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds{service="${this.service}"} ${(Date.now() - this.#started) / 1000}`,
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes{service="${this.service}"} ${process.memoryUsage.rss()}`,
      ...Object.entries(extra).map(
        ([name, value]) => `${name}{service="${this.service}"} ${value}`,
      ),
    ]
    return `${lines.join('\n')}\n`
  }
}
