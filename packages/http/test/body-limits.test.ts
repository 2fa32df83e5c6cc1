import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rawExchange } from './support/raw-exchange.ts'
import { spawnServed } from './support/spawn-served.ts'

// The served app's limit is 1,024 bytes; /orders has an early answer (which reads the body first), /notes none.
let served: Awaited<ReturnType<typeof spawnServed>>
beforeAll(async () => {
  served = await spawnServed('packages/http/test/support/served-app.ts')
})
afterAll(() => served?.[Symbol.asyncDispose]())

const head = (path: string, headers: string) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`

const answerOf = async (request: string) => {
  const answer = await rawExchange(served.url, request)
  return {
    status: answer.status,
    connection: answer.headers.connection,
    body: JSON.parse(answer.body),
  }
}

const tooLarge = {
  status: 413,
  connection: 'close',
  body: { error: { code: 'payload_too_large', message: 'body larger than 1024 bytes' } },
}

describe('bodies over the limit', () => {
  // No `Connection: close` from the client: each exchange ends only if the app closes the connection.
  it('refuses a Content-Length over the limit with 413 and the error body, however large, without reading the body', async () => {
    expect([
      await answerOf(`${head('/notes', 'Content-Length: 1025\r\n')}{"text":"`),
      await answerOf(`${head('/orders', 'Content-Length: 1000000000\r\n')}{"saleId":"`),
      // The largest Content-Length Bun reads as a number (2^59 - 1); past it Bun answers 400 itself.
      await answerOf(`${head('/notes', 'Content-Length: 576460752303423487\r\n')}{`),
    ]).toEqual([tooLarge, tooLarge, tooLarge])
  })

  it('refuses a chunked body at the limit with 413 and the error body, before the body has ended', async () => {
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`
    const overLimit = chunk(`{"text":"${'x'.repeat(600)}`) + chunk('x'.repeat(600))
    const within = `${chunk('{"text":')}${chunk('"short"}')}0\r\n\r\n`
    const { status, body } = await answerOf(
      `${head('/notes', 'Transfer-Encoding: chunked\r\nConnection: close\r\n')}${within}`,
    )
    expect({
      // Neither ends: the app must answer from what it has counted.
      notes: await answerOf(`${head('/notes', 'Transfer-Encoding: chunked\r\n')}${overLimit}`),
      orders: await answerOf(`${head('/orders', 'Transfer-Encoding: chunked\r\n')}${overLimit}`),
      within: { status, body },
    }).toEqual({
      notes: tooLarge,
      orders: tooLarge,
      within: { status: 200, body: { route: 'POST /notes', text: 'short' } },
    })
  })
})
