import { describe, expect, it } from 'bun:test'
import { spawnGateway } from './support/spawn-gateway.ts'

describe('the storefront at the gateway', () => {
  it('serves the page at / under a strict Content-Security-Policy, its content-hashed assets for a year, and leaves the API paths to their handlers', async () => {
    // No app listens upstream: the page is the gateway's own, and the API paths still go upstream.
    await using gateway = await spawnGateway('http://127.0.0.1:9')
    const page = await fetch(`${gateway.url}/`)
    const html = await page.text()
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '')
    const served = await Promise.all(
      assets.map(async (path) => {
        const answer = await fetch(`${gateway.url}${path}`)
        const body = await answer.text()
        return {
          status: answer.status,
          type: answer.headers.get('content-type')?.split(';')[0],
          cache: answer.headers.get('cache-control'),
          nonEmpty: body.length > 0,
        }
      }),
    )
    const missing = await fetch(`${gateway.url}/assets/nothing-here.js`)
    const time = await fetch(`${gateway.url}/time`)
    const sales = await fetch(`${gateway.url}/sales`)

    expect({
      status: page.status,
      type: page.headers.get('content-type'),
      csp: page.headers.get('content-security-policy'),
      cache: page.headers.get('cache-control'),
      nosniff: page.headers.get('x-content-type-options'),
      mountsTheApp: html.includes('id="main"'),
      served: served.sort((a, b) => String(a.type).localeCompare(String(b.type))),
      missing: { status: missing.status, body: await missing.json() },
      time: time.status,
      sales: {
        status: sales.status,
        code: ((await sales.json()) as { error: { code: string } }).error.code,
      },
    }).toEqual({
      status: 200,
      type: 'text/html;charset=utf-8',
      csp: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      cache: 'no-cache',
      nosniff: 'nosniff',
      mountsTheApp: true,
      served: [
        {
          status: 200,
          type: 'text/css',
          cache: 'public, max-age=31536000, immutable',
          nonEmpty: true,
        },
        {
          status: 200,
          type: 'text/javascript',
          cache: 'public, max-age=31536000, immutable',
          nonEmpty: true,
        },
      ],
      missing: {
        status: 404,
        body: { error: { code: 'not_found', message: 'no file /assets/nothing-here.js' } },
      },
      time: 200,
      sales: { status: 503, code: 'unavailable' },
    })
  })
})
