import { describe, expect, it } from 'bun:test'
import type { Server } from 'bun'
import { clientAddress } from '../src/index.ts'

const CREDENTIAL = 'the-gateway-service-token'

/** A server that says every request came from `peer`, as Bun's does for a real connection. */
const from = (peer: string) =>
  ({
    requestIP: () => ({ address: peer, family: 'IPv4', port: 40000 }),
  }) as unknown as Server<unknown>

const request = (headers: { forwardedFor?: string; serviceToken?: string }) =>
  new Request('http://localhost/orders', {
    headers: {
      ...(headers.forwardedFor ? { 'x-forwarded-for': headers.forwardedFor } : {}),
      ...(headers.serviceToken ? { 'x-service-token': headers.serviceToken } : {}),
    },
  })

describe('clientAddress', () => {
  it('believes the last hop of X-Forwarded-For, and only that one, from a request carrying the service credential', () => {
    const forwarded = request({ forwardedFor: '1.1.1.1, 203.0.113.7', serviceToken: CREDENTIAL })

    expect(clientAddress(forwarded, from('127.0.0.1'), CREDENTIAL)).toBe('203.0.113.7')
  })

  it('ignores X-Forwarded-For without the credential, with a wrong one, or with one of another length, even from loopback', () => {
    const peer = from('127.0.0.1')

    expect({
      none: clientAddress(request({ forwardedFor: '203.0.113.7' }), peer, CREDENTIAL),
      wrong: clientAddress(
        request({ forwardedFor: '203.0.113.7', serviceToken: 'the-gateway-service-tokeN' }),
        peer,
        CREDENTIAL,
      ),
      shorter: clientAddress(
        request({ forwardedFor: '203.0.113.7', serviceToken: 'the' }),
        peer,
        CREDENTIAL,
      ),
    }).toEqual({ none: '127.0.0.1', wrong: '127.0.0.1', shorter: '127.0.0.1' })
  })

  it('believes nobody when the app has no credential configured', () => {
    const forwarded = request({ forwardedFor: '203.0.113.7', serviceToken: CREDENTIAL })

    expect(clientAddress(forwarded, from('10.0.0.1'), undefined)).toBe('10.0.0.1')
  })

  it('falls back to the peer when the gateway sent no header, and to "unknown" without a server', () => {
    expect({
      noHeader: clientAddress(request({ serviceToken: CREDENTIAL }), from('10.0.0.1'), CREDENTIAL),
      noServer: clientAddress(
        request({ forwardedFor: '203.0.113.7', serviceToken: 'wrong' }),
        null,
        CREDENTIAL,
      ),
    }).toEqual({ noHeader: '10.0.0.1', noServer: 'unknown' })
  })
})
