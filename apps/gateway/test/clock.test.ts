import { describe, expect, it } from 'bun:test'
import { spawnGateway } from './support/spawn-gateway.ts'

describe('GET /time', () => {
  it("answers the gateway's own clock in ISO 8601 with milliseconds, never cached, without any app", async () => {
    // No app listens at the upstream address: the gateway answers /time itself.
    await using gateway = await spawnGateway('http://127.0.0.1:9')
    const before = Date.now()
    const answer = await fetch(`${gateway.url}/time`)
    const after = Date.now()
    const body = (await answer.json()) as { now: string }
    const now = Date.parse(body.now)

    expect({
      status: answer.status,
      cacheControl: answer.headers.get('cache-control'),
      format: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(body.now),
      withinTheCall: now >= before && now <= after,
    }).toEqual({ status: 200, cacheControl: 'no-store', format: true, withinTheCall: true })
  })
})
