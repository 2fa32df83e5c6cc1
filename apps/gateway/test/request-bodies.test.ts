import { describe, expect, it } from 'bun:test'
import { testTokens, waitFor } from '@flash/testing'
import { RawConnection, rawRequest } from './support/raw-connection.ts'
import { spawnGateway } from './support/spawn-gateway.ts'
import { startUpstream } from './support/stub-upstream.ts'

/** More than the breaker's window (10 calls) per app, so that counted failures would open it. */
const ATTEMPTS = 12

const buyerToken = async () =>
  (await testTokens.signAccess({ id: crypto.randomUUID(), role: 'buyer' })).token

describe('a request body the gateway reads before calling an app', () => {
  it('is answered 408 by the gateway when it stops arriving, without calling the app or opening its breaker', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url, {
      BODY_TIMEOUT_MS: '300',
      UPSTREAM_TIMEOUT_MS: '1000',
      BREAKER_OPEN_MS: '60000',
    })
    const host = new URL(gateway.url).host
    const authorization = `Bearer ${await buyerToken()}`
    // Content-Length: 100, four bytes sent, then nothing: the connection stays open.
    const slow = async (line: string, extra = '') => {
      const connection = await RawConnection.open(gateway.url)
      connection.write(
        `${line} HTTP/1.1\r\nHost: ${host}\r\n${extra}Content-Length: 100\r\n\r\n{"a"`,
      )
      try {
        const answer = await connection.answer()
        return { status: answer.status, body: JSON.parse(answer.body) }
      } finally {
        connection.close()
      }
    }

    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, () => [
        slow('POST /auth/login'),
        slow('POST /orders', `Authorization: ${authorization}\r\n`),
      ]).flat(),
    )
    const callsDuringSlowBodies = upstream.calls()
    const after = await Promise.all([
      fetch(`${gateway.url}/auth/login`, { method: 'POST', body: '{"email":"a"}' }),
      fetch(`${gateway.url}/orders`, {
        method: 'POST',
        headers: { authorization },
        body: '{"saleId":"s"}',
      }),
    ])

    expect({
      answers,
      callsDuringSlowBodies,
      after: after.map((response) => response.status),
      bodiesTheAppGot: upstream.seen.map((request) => request.body),
    }).toEqual({
      answers: Array.from({ length: ATTEMPTS * 2 }, () => ({
        status: 408,
        body: {
          error: {
            code: 'request_timeout',
            message: 'the request body did not arrive within 300 ms',
          },
        },
      })),
      callsDuringSlowBodies: 0,
      after: [200, 200],
      bodiesTheAppGot: ['{"email":"a"}', '{"saleId":"s"}'],
    })
  })

  it('forwards a chunked body within the limit whole, and answers 413 to one as soon as it passes the limit', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url, { MAX_BODY_BYTES: '1024' })
    const host = new URL(gateway.url).host
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`
    const head = `POST /auth/login HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`
    const within = ['a'.repeat(500), 'b'.repeat(500)]

    const forwarded = await rawRequest(
      gateway.url,
      `${head}${within.map(chunk).join('')}0\r\n\r\n`.replace(
        '\r\n\r\n',
        '\r\nConnection: close\r\n\r\n',
      ),
    )
    // Over the limit, and never finished: the answer must not wait for the end of the body.
    const endless = await RawConnection.open(gateway.url)
    endless.write(`${head}${chunk('c'.repeat(700))}${chunk('d'.repeat(700))}`)
    const refused = await endless.answer()
    endless.close()

    expect({
      forwarded: forwarded.status,
      bodiesTheAppGot: upstream.seen.map((request) => request.body),
      refused: { status: refused.status, body: JSON.parse(refused.body) },
    }).toEqual({
      forwarded: 200,
      bodiesTheAppGot: [within.join('')],
      refused: {
        status: 413,
        body: { error: { code: 'payload_too_large', message: 'body larger than 1024 bytes' } },
      },
    })
  })

  it('calls no app when the client leaves before its body has arrived', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url, { BODY_TIMEOUT_MS: '60000' })
    const host = new URL(gateway.url).host

    const leaving = await RawConnection.open(gateway.url)
    leaving.write(`POST /auth/login HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100\r\n\r\n{"a"`)
    leaving.close()

    await waitFor(
      () =>
        gateway.lines.includes(
          '[gateway] POST /auth/login: the client left before its body arrived',
        ),
      { what: 'the gateway to see the client leave' },
    )
    expect(upstream.calls()).toBe(0)
  })

  it('answers 413 with the error body to a declared length far over the limit, without waiting for the body', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url, { MAX_BODY_BYTES: '1024' })
    const host = new URL(gateway.url).host

    const connection = await RawConnection.open(gateway.url)
    connection.write(
      `POST /auth/login HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100000000\r\n\r\n{"a"`,
    )
    const answer = await connection.answer()
    await connection.closed

    expect({
      status: answer.status,
      body: JSON.parse(answer.body || 'null'),
      calls: upstream.calls(),
    }).toEqual({
      status: 413,
      body: { error: { code: 'payload_too_large', message: 'body larger than 1024 bytes' } },
      calls: 0,
    })
  })
})
