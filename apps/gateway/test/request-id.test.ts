import { describe, expect, it } from 'bun:test'
import { rawRequest } from './support/raw-connection.ts'
import { spawnGateway } from './support/spawn-gateway.ts'
import { startUpstream } from './support/stub-upstream.ts'

/** What the gateway may send on: a short printable token (acceptRequestId in @flash/http). */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * More than the breaker's window (10 calls), so that answers the gateway
 * counted as failures would open it.
 */
const ATTEMPTS = 12

describe('a request id the client chose', () => {
  it('is replaced when it is not a short printable token, so an app that echoes it never looks broken and its breaker stays closed', async () => {
    // Echoes the request id as every app did: a DEL byte in it makes Bun's fetch refuse the answer.
    await using upstream = startUpstream(
      (request) =>
        new Response(JSON.stringify({ error: { code: 'x', message: 'x' } }), {
          status: request.path === '/auth/refresh' ? 401 : 200,
          headers: { 'x-request-id': request.headers['x-request-id'] ?? '' },
        }),
    )
    await using gateway = await spawnGateway(upstream.url, { BREAKER_OPEN_MS: '60000' })
    const saleId = crypto.randomUUID()
    const send = (line: string, id: string) =>
      rawRequest(
        gateway.url,
        `${line} HTTP/1.1\r\nHost: ${new URL(gateway.url).host}\r\nX-Request-Id: ${id}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      )
    const bad = ['bad\x7fid', 'x'.repeat(200), 'two words', 'semi;colon']

    const answers = []
    for (let i = 0; i < ATTEMPTS; i++) {
      const id = bad[i % bad.length] as string
      answers.push(await send('POST /auth/refresh', id), await send(`GET /sales/${saleId}`, id))
    }
    const kept = await send(`GET /sales/${saleId}`, 'client-id-0190.a:b_c')

    expect({
      statuses: answers.map((a) => a.status),
      answeredIdsAccepted: answers.every((a) => ACCEPTED.test(a.headers['x-request-id'] ?? '')),
      answeredIdsFresh: new Set(answers.map((a) => a.headers['x-request-id'])).size,
      idsTheAppSaw: upstream.seen.slice(0, -1).map((r) => r.headers['x-request-id']),
      kept: { status: kept.status, id: kept.headers['x-request-id'] },
      keptReachedApp: upstream.seen.at(-1)?.headers['x-request-id'],
    }).toEqual({
      statuses: Array.from({ length: ATTEMPTS }, () => [401, 200]).flat(),
      answeredIdsAccepted: true,
      answeredIdsFresh: ATTEMPTS * 2,
      idsTheAppSaw: answers.map((a) => a.headers['x-request-id']),
      kept: { status: 200, id: 'client-id-0190.a:b_c' },
      keptReachedApp: 'client-id-0190.a:b_c',
    })
  })
})
