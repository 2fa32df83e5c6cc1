import { type Exchange, rawExchange, rawRequest, requestText } from './raw-socket.ts'

/** What an attack needs to know about the stack it attacks. */
export type Victim = { gatewayUrl: string; saleId: string; buyerToken: string }

/** The attack's own answers, by request and status: `{ 'POST /orders 503': 6 }`. */
export type AnswerCounts = Record<string, number>

/** An attack under way: `stop()` ends it (closes its sockets) and counts its answers. */
export type RunningAttack = { stop: () => Promise<AnswerCounts> }

export type Attack = {
  name: string
  start: (victim: Victim) => Promise<RunningAttack>
}

const ANSWER_TIMEOUT_MS = 15_000

/** Counts answers by label and status; none by the end (undefined or 0) counts as `no answer`. */
function tally(answers: { label: string; status?: number }[]): AnswerCounts {
  const counts: AnswerCounts = {}
  for (const { label, status } of answers) {
    const key = `${label} ${status || 'no answer'}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** Connections held open: each one's status once its head came, until `stop()` closes them. */
async function holdOpen(base: string, requests: { label: string; text: string }[]) {
  const held = await Promise.all(
    requests.map(async ({ label, text }) => {
      const entry: { label: string; status?: number; exchange: Exchange } = {
        label,
        exchange: await rawExchange(base, text),
      }
      entry.exchange.head.then((head) => {
        entry.status = head?.status
      })
      return entry
    }),
  )
  return {
    async stop() {
      for (const entry of held) entry.exchange.close()
      return tally(held)
    },
  }
}

const json = { 'content-type': 'application/json' }

/** Nothing: the probes alone, for the figures the attacks are read against. */
export const baseline: Attack = {
  name: 'baseline (no attack)',
  async start() {
    return { stop: async () => ({}) }
  },
}

/**
 * Issue 14, 1: a request id with a DEL byte, which an app echoes and Bun's
 * fetch in the gateway then refuses as a malformed answer.
 */
export const badRequestId: Attack = {
  name: '1. X-Request-Id with a DEL byte (6 to POST /auth/refresh, 6 to GET /sales/:id)',
  async start({ gatewayUrl, saleId }) {
    const id = { 'x-request-id': 'bad\x7fid' }
    const answers: { label: string; status: number }[] = []
    for (let i = 0; i < 6; i++)
      answers.push({
        label: 'POST /auth/refresh',
        status: (
          await rawRequest(
            gatewayUrl,
            requestText('POST', '/auth/refresh', { ...json, ...id }, '{}'),
            ANSWER_TIMEOUT_MS,
          )
        ).status,
      })
    for (let i = 0; i < 6; i++)
      answers.push({
        label: 'GET /sales/:id',
        status: (
          await rawRequest(
            gatewayUrl,
            requestText('GET', `/sales/${saleId}`, id),
            ANSWER_TIMEOUT_MS,
          )
        ).status,
      })
    return { stop: async () => tally(answers) }
  },
}

/** Issue 14, 2: event streams from one client, held open through the window. */
export const manyStreams: Attack = {
  name: '2. 300 open GET /sales/:id/events streams from one client',
  start({ gatewayUrl, saleId }) {
    const text = requestText('GET', `/sales/${saleId}/events`, { connection: 'keep-alive' })
    return holdOpen(
      gatewayUrl,
      Array.from({ length: 300 }, () => ({ label: 'GET /sales/:id/events', text })),
    )
  },
}

/** Issue 14, 3: bodies that announce 100 bytes, send 4, and then nothing. */
export const slowBodies: Attack = {
  name: '3. slow bodies (Content-Length: 100, 4 bytes sent): 6 to POST /auth/login, 6 to POST /orders',
  start({ gatewayUrl, buyerToken }) {
    const slow = (path: string, headers: Record<string, string>) =>
      requestText('POST', path, { ...json, ...headers, 'content-length': '100' }, '{"em')
    return holdOpen(gatewayUrl, [
      ...Array.from({ length: 6 }, () => ({
        label: 'POST /auth/login',
        text: slow('/auth/login', {}),
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        label: 'POST /orders',
        text: slow('/orders', {
          authorization: `Bearer ${buyerToken}`,
          'idempotency-key': `slow-${i}-${crypto.randomUUID()}`,
        }),
      })),
    ])
  },
}

// A round of deep bodies starts at most this often, so that a fixed server, answering at once,
// meets the same few bodies a second and not a flood the size of its own speed.
const DEEP_ROUND_MS = 500

/** Issue 14, 4: 16 KB of arrays 8,000 deep to POST /orders, four at once, again and again. */
export const deepBodies: Attack = {
  name: '4. 16 KB bodies 8,000 arrays deep to POST /orders, 4 at once, repeated',
  async start({ gatewayUrl, buyerToken }) {
    const body = '['.repeat(8000) + ']'.repeat(8000)
    const answers: { label: string; status: number }[] = []
    let running = true
    const rounds = (async () => {
      while (running) {
        const started = performance.now()
        const round = await Promise.all(
          Array.from({ length: 4 }, () =>
            rawRequest(
              gatewayUrl,
              requestText(
                'POST',
                '/orders',
                {
                  ...json,
                  authorization: `Bearer ${buyerToken}`,
                  'idempotency-key': crypto.randomUUID(),
                },
                body,
              ),
              ANSWER_TIMEOUT_MS,
            ),
          ),
        )
        for (const { status } of round) answers.push({ label: 'POST /orders', status })
        const rest = DEEP_ROUND_MS - (performance.now() - started)
        if (running && rest > 0) await Bun.sleep(rest)
      }
    })()
    return {
      async stop() {
        running = false
        await rounds
        return tally(answers)
      },
    }
  },
}

/** In the order they run; the baseline first. */
export const attacks: readonly Attack[] = [
  baseline,
  badRequestId,
  manyStreams,
  slowBodies,
  deepBodies,
]
