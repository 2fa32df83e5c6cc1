import { describe, expect, it } from 'bun:test'
import { CircuitBreaker } from '@flash/breaker'
import { freePort } from '@flash/devstack'
import { renderFamilies } from '@flash/http'
import { keySpace, streamKey } from '@flash/redis'
import { jsonEntry } from '@flash/streams'
import { parseMetrics, spawnApp, testDatabase, testRedis, waitFor } from '@flash/testing'
import Redis from 'ioredis'
import { SHIPPING_GROUP } from '../src/consumers/shipping.ts'
import { workerMetrics } from '../src/metrics.ts'

const SERVICE_TOKEN = 'worker-metrics-test-service-token'

describe("the worker's /metrics", () => {
  it('reports each consumer group: a dead consumer’s 3 unacked entries pending, aged, and a dead letter counted', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const shipping = streamKey(r.space, 0, 'shipping')
    // A consumer that read three entries (added a minute ago) and died before acknowledging them.
    await r.redis.xgroup('CREATE', shipping, SHIPPING_GROUP, '0', 'MKSTREAM')
    const minuteAgo = Date.now() - 60_000
    for (let n = 1; n <= 3; n++)
      await r.redis.xadd(shipping, `${minuteAgo}-${n}`, ...jsonEntry({ orderId: `o-${n}` }))
    await r.redis.xreadgroup('GROUP', SHIPPING_GROUP, 'gone', 'COUNT', 3, 'STREAMS', shipping, '>')

    const port = await freePort()
    await using _worker = spawnApp('worker', {
      DATABASE_URL: database.url,
      REDIS_URL: r.url,
      REDIS_PREFIX: r.prefix,
      WORKER_NAME: 'metrics-test',
      SCHEDULES: 'off',
      METRICS_PORT: String(port),
      SERVICE_TOKEN,
    })
    // An entry no consumer can decode: the worker dead-letters it, then acknowledges it.
    const malformed = await r.redis.xadd(shipping, '*', 'not-an-event', 'x')

    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      }).catch(() => null)
      return response?.ok ? parseMetrics(await response.text()) : null
    }
    const group = { stream: 'shipping', partition: '0', group: SHIPPING_GROUP }
    // The counter goes up before the entry is acknowledged (a crash in between writes a
    // second letter rather than none): scraped in between, the entry is still pending.
    const acknowledged = async () => {
      const pending = (await r.redis.xpending(shipping, SHIPPING_GROUP, '-', '+', 10)) as [string][]
      return pending.every(([id]) => id !== malformed)
    }
    const metrics = await waitFor(
      async () => {
        if (!(await acknowledged())) return false
        const m = await scrape()
        return m?.value('stream_group_dead_letters_total', group) === 1 && m
      },
      {
        what: 'the malformed entry to be dead-lettered, counted and acknowledged',
        timeoutMs: 30_000,
      },
    )
    const streams = metrics.families
      .get('stream_group_pending')
      ?.samples.map((sample) => sample.labels.stream)
      .sort()
    expect({
      pending: metrics.value('stream_group_pending', group),
      lag: metrics.value('stream_group_lag', group),
      scrapeError: metrics.value('stream_groups_scrape_error'),
      breaker: metrics.value('breaker_state', { upstream: 'payment-provider' }),
      streams,
    }).toEqual({
      pending: 3,
      lag: 0,
      scrapeError: 0,
      breaker: 0,
      streams: ['emails', 'orders', 'payments', 'refunds', 'rollbacks', 'shipping'],
    })
    expect(metrics.value('stream_group_oldest_pending_age_seconds', group)).toBeGreaterThanOrEqual(
      59,
    )
    // Refused without the credential, like every app's.
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401)
  })

  it('answers without the groups, and says so, when Redis does not answer in time', async () => {
    // Accepts connections and never answers a command.
    const silent = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: { data() {} },
    })
    const redis = new Redis(silent.port, '127.0.0.1', { maxRetriesPerRequest: 0 })
    try {
      const read = workerMetrics({
        redis,
        space: keySpace('silent:', 1),
        breakers: [new CircuitBreaker({ name: 'payment-provider' })],
        timeoutMs: 100,
      })
      const metrics = parseMetrics(renderFamilies(await read(), { service: 'worker' }))
      expect({
        scrapeError: metrics.value('stream_groups_scrape_error'),
        pending: metrics.families.get('stream_group_pending')?.samples,
        breaker: metrics.value('breaker_state', { upstream: 'payment-provider' }),
      }).toEqual({ scrapeError: 1, pending: [], breaker: 0 })
    } finally {
      redis.disconnect()
      silent.stop(true)
    }
  })
})
