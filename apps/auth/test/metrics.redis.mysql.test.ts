import { describe, expect, it } from 'bun:test'
import { freePort } from '@flash/devstack'
import { parseMetrics, testDatabase, testRedis, testTokens } from '@flash/testing'
import { withToken } from './helpers.ts'
import { startProcess } from './processes.ts'

const SERVICE_TOKEN = 'auth-metrics-test-service-token'

describe("auth's /metrics", () => {
  it('shows the breaker in front of checkout open (2) once checkout stopped answering, as index.ts wires it', async () => {
    await using database = await testDatabase()
    await using redis = await testRedis()
    // Nothing listens there: every call to checkout is refused.
    const nobody = `http://127.0.0.1:${await freePort()}`
    await using auth = await startProcess('auth', {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      CHECKOUT_URL: nobody,
      SERVICE_TOKEN,
      BREAKER_OPEN_MS: '600000',
    })
    const scrape = async () => {
      const response = await fetch(`${auth.url}/metrics`, {
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      })
      const metrics = parseMetrics(await response.text())
      return {
        state: metrics.value('breaker_state', { upstream: 'checkout' }),
        opened: metrics.value('breaker_transitions_total', { upstream: 'checkout', to: 'open' }),
      }
    }
    const before = await scrape()
    // /auth/me asks checkout for the buyer's orders whether or not the account exists.
    const { token } = await testTokens.signAccess({ id: Bun.randomUUIDv7(), role: 'buyer' })
    for (let i = 0; i < 10; i++) await withToken(auth.url, 'GET', '/auth/me', token)
    expect({ before, after: await scrape() }).toEqual({
      before: { state: 0, opened: 0 },
      after: { state: 2, opened: 1 },
    })
  })
})
