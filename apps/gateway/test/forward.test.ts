import { describe, expect, it } from 'bun:test'
import { httpUpstream, inProcessUpstream } from '../src/modules/proxy/forward.ts'
import { startUpstream } from './support/stub-upstream.ts'

const BODY = new TextEncoder().encode('{"saleId":"s","quantity":1}')

describe('an app in the gateway process', () => {
  it('gets the same request as over HTTP, its body framed by Content-Length, so it reads it whole instead of as a stream', async () => {
    await using app = startUpstream()
    const sent = async (upstream: ReturnType<typeof httpUpstream>) => {
      const headers = new Headers({ 'content-type': 'application/json', 'x-request-id': 'r1' })
      await upstream.send('POST', '/orders?x=1', headers, BODY, AbortSignal.timeout(5_000))
      upstream.close()
      const request = app.seen.at(-1)
      // Only the address differs: the stub hears the in-process request at checkout's URL.
      const { host: _, ...headersSeen } = request?.headers ?? {}
      return { ...request, headers: headersSeen }
    }
    const overHttp = await sent(httpUpstream(app.url))
    const inProcess = await sent(inProcessUpstream(app.url, app.handle))

    expect(inProcess).toEqual(overHttp)
    expect(inProcess.headers['content-length']).toBe(String(BODY.byteLength))
  })
})
