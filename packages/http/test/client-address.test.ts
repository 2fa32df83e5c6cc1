import { describe, expect, it } from 'bun:test'
import type { Server } from 'bun'
import { clientAddress, parseTrustedProxies } from '../src/index.ts'

/** A server that says every request came from `peer`, as Bun's does for a real connection. */
const from = (peer: string) =>
  ({
    requestIP: () => ({ address: peer, family: 'IPv4', port: 40000 }),
  }) as unknown as Server<unknown>

const request = (forwardedFor?: string) =>
  new Request('http://localhost/orders', {
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  })

describe('clientAddress', () => {
  const proxies = ['10.0.0.1']

  it('believes the last hop a trusted proxy appended, and only that one', () => {
    expect(clientAddress(request('1.1.1.1, 203.0.113.7'), from('10.0.0.1'), proxies)).toBe(
      '203.0.113.7',
    )
  })

  it('ignores X-Forwarded-For from anyone else', () => {
    expect(clientAddress(request('203.0.113.7'), from('198.51.100.2'), proxies)).toBe(
      '198.51.100.2',
    )
  })

  it('falls back to the peer when a trusted proxy sent no header, and to "unknown" without a server', () => {
    expect({
      noHeader: clientAddress(request(), from('10.0.0.1'), proxies),
      noServer: clientAddress(request('203.0.113.7'), null, proxies),
    }).toEqual({ noHeader: '10.0.0.1', noServer: 'unknown' })
  })
})

describe('parseTrustedProxies', () => {
  it('reads a comma-separated list, spaces and all', () => {
    expect(parseTrustedProxies('127.0.0.1, ::1 ,::ffff:127.0.0.1')).toEqual([
      '127.0.0.1',
      '::1',
      '::ffff:127.0.0.1',
    ])
  })
})
