import { rawRequest, requestText } from './raw-socket.ts'

/** What one probe saw over a window. */
export type ProbeSummary = {
  name: string
  sent: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Answers other than 200, by status ("no answer": none within the probe's timeout). */
  failures: Record<string, number>
}

/** A probe request: a name for the report and the bytes to send. */
export type ProbeRequest = { name: string; text: string }

// Longer than the gateway's 10 s wait for an upstream, so a stalled answer shows as its 503.
const PROBE_TIMEOUT_MS = 15_000

/**
 * Sends each probe request every `intervalMs` until `stop()`, each on its own
 * connection and without waiting for the previous one: a stalled answer
 * must not hide the ones after it.
 *
 * @example
 * const probes = startProbes(gatewayUrl, [{ name: 'GET /sales/:id', text }], 50)
 * // ... an attack ...
 * const [sales] = await probes.stop()
 */
export function startProbes(base: string, requests: ProbeRequest[], intervalMs: number) {
  const results = requests.map(() => [] as { status: number; ms: number }[])
  const inFlight = new Set<Promise<void>>()
  const fire = () => {
    for (const [i, request] of requests.entries()) {
      const done = rawRequest(base, request.text, PROBE_TIMEOUT_MS).then((result) => {
        results[i]?.push(result)
        inFlight.delete(done)
      })
      inFlight.add(done)
    }
  }
  fire()
  const timer = setInterval(fire, intervalMs)
  return {
    /** Sends no more at once; resolves once the probes in flight are answered or timed out. */
    stop(): Promise<ProbeSummary[]> {
      clearInterval(timer)
      return Promise.all(inFlight).then(() =>
        requests.map((request, i) => summarize(request.name, results[i] ?? [])),
      )
    },
  }
}

/**
 * @example
 * probeRequest('GET /auth/me', '/auth/me', { authorization: `Bearer ${token}` })
 */
export function probeRequest(
  name: string,
  path: string,
  headers: Record<string, string> = {},
): ProbeRequest {
  return { name, text: requestText('GET', path, headers) }
}

function summarize(name: string, results: { status: number; ms: number }[]): ProbeSummary {
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  const failures: Record<string, number> = {}
  for (const { status } of results)
    if (status !== 200) {
      const key = status === 0 ? 'no answer' : String(status)
      failures[key] = (failures[key] ?? 0) + 1
    }
  return { name, sent: results.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), failures }
}
