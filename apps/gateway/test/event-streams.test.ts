import { describe, expect, it } from 'bun:test'
import { waitFor } from '@flash/testing'
import { openEvents, startEventUpstream } from './support/event-upstream.ts'
import { spawnGateway } from './support/spawn-gateway.ts'

const PER_CLIENT = 4

/**
 * Bun's fetch lets this many requests run at once in the gateway process; a
 * stream that took one of them would leave ordinary requests none.
 */
const FETCH_SLOTS = '2'

const streamsUrl = (base: string) => `${base}/sales/${crypto.randomUUID()}/events`

/** A client's whole allowance of streams, each open once its first event arrived. */
async function openAll(base: string) {
  const streams = []
  for (let i = 0; i < PER_CLIENT; i++) streams.push(await openEvents(streamsUrl(base)))
  await Promise.all(streams.map((s) => s.next()))
  return streams
}

describe('event streams through the gateway', () => {
  it('refuses a client its stream beyond the per-client cap with 429, while events flow on the open ones and a plain read still answers', async () => {
    await using catalog = startEventUpstream()
    await using gateway = await spawnGateway(catalog.url, {
      EVENT_STREAMS_PER_CLIENT: String(PER_CLIENT),
      BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_SLOTS,
      UPSTREAM_TIMEOUT_MS: '2000',
    })

    const streams = []
    for (let i = 0; i < PER_CLIENT; i++) streams.push(await openEvents(streamsUrl(gateway.url)))
    const first = await Promise.all(streams.map((s) => s.next()))
    const refused = await fetch(streamsUrl(gateway.url))
    const read = await fetch(`${gateway.url}/sales/${crypto.randomUUID()}`)
    catalog.send({ remaining: 41 })
    const next = await Promise.all(streams.map((s) => s.next()))

    expect({
      opened: streams.map((s) => [s.status, s.headers.get('content-type')]),
      first,
      refused: {
        status: refused.status,
        retryAfter: Number(refused.headers.get('retry-after')) > 0,
        body: await refused.json(),
      },
      read: { status: read.status, body: await read.json() },
      next,
    }).toEqual({
      opened: Array.from({ length: PER_CLIENT }, () => [200, 'text/event-stream; charset=utf-8']),
      first: Array.from({ length: PER_CLIENT }, () => ({ remaining: 42 })),
      refused: {
        status: 429,
        retryAfter: true,
        body: {
          error: {
            code: 'rate_limited',
            message: `at most ${PER_CLIENT} event streams at once from one address`,
          },
        },
      },
      read: { status: 200, body: { remaining: 42 } },
      next: Array.from({ length: PER_CLIENT }, () => ({ remaining: 41 })),
    })
    await Promise.all(streams.map((s) => s.close()))
  })

  it('gives a stream its slot back when the client leaves, and closes it at the app', async () => {
    await using catalog = startEventUpstream()
    await using gateway = await spawnGateway(catalog.url, {
      EVENT_STREAMS_PER_CLIENT: String(PER_CLIENT),
      BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_SLOTS,
      UPSTREAM_TIMEOUT_MS: '2000',
    })
    const leaving = await openAll(gateway.url)
    await Promise.all(leaving.map((s) => s.close()))
    await waitFor(() => catalog.cancelled() === PER_CLIENT, { what: 'the app to see them go' })
    const again = await openAll(gateway.url)

    expect(again.map((s) => s.status)).toEqual(Array.from({ length: PER_CLIENT }, () => 200))
    await Promise.all(again.map((s) => s.close()))
  })

  it('gives a stream its slot back when the app ends it', async () => {
    await using catalog = startEventUpstream()
    await using gateway = await spawnGateway(catalog.url, {
      EVENT_STREAMS_PER_CLIENT: String(PER_CLIENT),
      BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_SLOTS,
      UPSTREAM_TIMEOUT_MS: '2000',
    })
    const ending = await openAll(gateway.url)
    catalog.endAll()
    const ends = await Promise.all(ending.map((s) => s.next()))
    // The client saw the end; the gateway frees the slot in the same turn, or just after.
    const again = await waitFor(
      async () => {
        const stream = await openEvents(streamsUrl(gateway.url))
        if (stream.status === 200) return stream
        await stream.close()
        return undefined
      },
      { what: 'a slot to be free again' },
    )
    const rest = []
    for (let i = 1; i < PER_CLIENT; i++) rest.push(await openEvents(streamsUrl(gateway.url)))

    expect({ ends, again: [again, ...rest].map((s) => s.status) }).toEqual({
      ends: Array.from({ length: PER_CLIENT }, () => null),
      again: Array.from({ length: PER_CLIENT }, () => 200),
    })
    await Promise.all([again, ...rest].map((s) => s.close()))
  })

  it('does not count clients who leave before the app answers against the app’s breaker', async () => {
    await using catalog = startEventUpstream()
    const attempts = 12
    await using gateway = await spawnGateway(catalog.url, {
      EVENT_STREAMS_PER_CLIENT: String(attempts),
      UPSTREAM_TIMEOUT_MS: '1000',
      BREAKER_OPEN_MS: '60000',
    })

    const leaving = Array.from({ length: attempts }, () => new AbortController())
    const opened = leaving.map((controller) =>
      fetch(`${gateway.url}/sales/silent/events`, { signal: controller.signal }).catch(() => null),
    )
    await waitFor(() => catalog.calls() === attempts, { what: 'every stream to reach the app' })
    for (const controller of leaving) controller.abort()
    await Promise.all(opened)
    await waitFor(() => catalog.abandoned() === attempts, { what: 'the gateway to leave the app' })
    const read = await fetch(`${gateway.url}/sales/${crypto.randomUUID()}`)

    expect(read.status).toBe(200)
  })

  it('ends the streams it relays when it is told to stop, and exits', async () => {
    await using catalog = startEventUpstream()
    const gateway = await spawnGateway(catalog.url)
    const stream = await openEvents(streamsUrl(gateway.url))
    await stream.next()

    process.kill(gateway.pid, 'SIGTERM')

    expect({ end: await stream.next(), code: await gateway.exited }).toEqual({ end: null, code: 0 })
  }, 20_000)
})
