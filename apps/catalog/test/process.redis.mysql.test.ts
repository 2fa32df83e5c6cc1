import { describe, expect, it } from 'bun:test'
import { createSale, testDatabase, testRedis, waitFor } from '@flash/testing'
import { watchSale } from './watch-sale.ts'

const repoRoot = new URL('../../..', import.meta.url).pathname

/** Reads the child's stdout until the line announcing its address appears. */
async function addressOf(stdout: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let seen = ''
  for await (const chunk of stdout) {
    seen += decoder.decode(chunk, { stream: true })
    const match = seen.match(/listening on (http:\/\/\S+)/)
    if (match?.[1]) return match[1]
  }
  throw new Error(`catalog exited before listening; it printed: ${seen}`)
}

/** Starts `bun apps/catalog/src/index.ts` on a free port with the test's database and key prefix. */
function spawnCatalog(databaseUrl: string, redis: { url: string; prefix: string }) {
  return Bun.spawn(['bun', 'apps/catalog/src/index.ts'], {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
    },
    stdout: 'pipe',
    stderr: 'inherit',
  })
}

describe('the catalog process', () => {
  it('listens, answers /health and /ready, and exits cleanly on SIGTERM', async () => {
    await using database = await testDatabase()
    await using redis = await testRedis()
    const child = spawnCatalog(database.url, redis)
    try {
      const url = await addressOf(child.stdout)

      const health = await fetch(`${url}/health`)
      const ready = await fetch(`${url}/ready`)

      expect(await health.json()).toEqual({ status: 'ok', service: 'catalog' })
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 200,
        body: { ready: true, checks: { redis: true, mysql: true } },
      })
      child.kill('SIGTERM')
      expect(await child.exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('ends open sale event streams on SIGTERM instead of waiting for them, and exits cleanly', async () => {
    await using database = await testDatabase()
    await using redis = await testRedis()
    const { saleId } = await createSale(database.db, redis.redis, redis.space, { quantity: 3 })
    const child = spawnCatalog(database.url, redis)
    try {
      const url = await addressOf(child.stdout)
      const watcher = watchSale(url, saleId)
      await waitFor(() => watcher.events.length === 1, { what: 'the first event' })

      child.kill('SIGTERM')

      expect(await child.exited).toBe(0)
      await watcher.done
      expect({ events: watcher.events, ended: watcher.ended }).toEqual({
        events: [{ remaining: 3, status: 'live' }],
        ended: true,
      })
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
