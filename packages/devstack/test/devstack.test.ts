import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@flash/testing'
import { RedisClient, SQL } from 'bun'
import {
  defaultWhich,
  ensureMysql,
  ensureRedis,
  ensureServices,
  freePort,
  MissingServiceError,
  probeMysql,
  probeRedis,
} from '../src/index.ts'

const sharedRedis = 'redis://127.0.0.1:6379'
const sharedMysql = 'mysql://root@127.0.0.1:3306/test'
const dataDir = mkdtempSync(join(tmpdir(), 'devstack-test-'))
const lines: string[] = []
const log = (line: string) => lines.push(line)

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

/** Passes as soon as `check` holds, fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  await waitFor(check, { timeoutMs, intervalMs: 25 })
}

async function nobodyOn(): Promise<number> {
  return freePort()
}

describe('ensureRedis', () => {
  test('uses the shared server when it answers', async () => {
    const redis = await ensureRedis(sharedRedis, { dataDir, log })
    expect(redis).toMatchObject({ url: sharedRedis, started: false })
    await redis.stop()
    expect((await probeRedis(sharedRedis)).ok).toBe(true)
  })

  test('starts a private redis-server when nothing answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${await nobodyOn()}`
    const redis = await ensureRedis(url, { dataDir, log })
    expect(redis.started).toBe(true)
    expect(redis.url).not.toBe(url)

    const client = new RedisClient(redis.url)
    expect(await client.ping()).toBe('PONG')
    await client.set('devstack:test', 'yes')
    expect(await client.get('devstack:test')).toBe('yes')
    client.close()

    await redis.stop()
    expect((await probeRedis(redis.url)).ok).toBe(false)
    expect((await probeRedis(sharedRedis)).ok).toBe(true)
  })

  test('a private server requires the password and keeps the db of the URL', async () => {
    const url = `redis://:s3cret@127.0.0.1:${await nobodyOn()}/2`
    const redis = await ensureRedis(url, { dataDir, log })
    try {
      expect(redis.url).toMatch(/^redis:\/\/:s3cret@127\.0\.0\.1:\d+\/2$/)
      expect((await probeRedis(redis.url)).ok).toBe(true)
      const anonymous = await probeRedis(redis.url.replace(':s3cret@', ''))
      expect(anonymous).toMatchObject({ ok: false })
    } finally {
      await redis.stop()
    }
  })

  // SIGINT/SIGTERM are handled in-process (setpriv disabled to prove it);
  // SIGKILL cannot be, so that case relies on setpriv's parent-death signal.
  for (const [signal, mode] of [
    ['SIGINT', 'no-setpriv'],
    ['SIGTERM', 'no-setpriv'],
    ['SIGKILL', 'setpriv'],
  ] as const) {
    test(`a private server dies with its parent on ${signal} (${mode})`, async () => {
      const url = `redis://127.0.0.1:${await nobodyOn()}`
      const parent = Bun.spawn(
        ['bun', join(import.meta.dir, 'fixtures/hold-redis.ts'), url, dataDir, mode],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const reader = parent.stdout.getReader()
      let out = ''
      while (!out.includes('\n')) {
        const chunk = await reader.read()
        if (chunk.done) break
        out += new TextDecoder().decode(chunk.value)
      }
      reader.releaseLock()
      const held = JSON.parse(out) as { url: string; started: boolean }
      expect(held.started).toBe(true)
      expect((await probeRedis(held.url)).ok).toBe(true)

      parent.kill(signal)
      await parent.exited
      // The parent still dies of the signal: the handler does not swallow it.
      expect(parent.signalCode).toBe(signal)
      await eventually(async () => !(await probeRedis(held.url, 200)).ok)
    })
  }
})

describe('ensureMysql', () => {
  test('uses the shared server when it answers', async () => {
    const mysql = await ensureMysql(sharedMysql, { dataDir, log })
    expect(mysql).toMatchObject({ url: sharedMysql, started: false })
    await mysql.stop()
    expect((await probeMysql(sharedMysql)).ok).toBe(true)
  })

  test('starts a private mariadbd when nothing answers, keeps its data, and stops it', async () => {
    const url = `mysql://root@127.0.0.1:${await nobodyOn()}/devstack_test`
    const first = await ensureMysql(url, { dataDir, log })
    expect(first.started).toBe(true)
    expect(first.url).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/devstack_test$/)
    try {
      const server = new SQL(first.url.replace('/devstack_test', '/mysql'))
      await server`CREATE DATABASE devstack_test`
      await server.close()
      const db = new SQL(first.url)
      await db`CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))`
      await db`INSERT INTO items ${db({ id: 1, name: 'first' })}`
      expect(await db`SELECT name FROM items`).toEqual([{ name: 'first' }])
      await db.close()
    } finally {
      await first.stop()
    }
    expect((await probeMysql(first.url)).ok).toBe(false)

    // Second run on the same data dir: reused, not re-initialised, and the
    // URL's (non-root) user is created with its password.
    const appUrl = `mysql://app:p%40ss'w@127.0.0.1:${await nobodyOn()}/devstack_test`
    const second = await ensureMysql(appUrl, { dataDir, log })
    try {
      expect(second.started).toBe(true)
      expect(lines.filter((line) => line.includes('initialising'))).toHaveLength(1)
      const db = new SQL(second.url)
      expect(await db`SELECT name FROM items`).toEqual([{ name: 'first' }])
      await db.close()
    } finally {
      await second.stop()
    }
    expect((await probeMysql(second.url)).ok).toBe(false)
    expect((await probeMysql(sharedMysql)).ok).toBe(true)
  })
})

describe('ensureServices', () => {
  test('finds both shared servers in parallel', async () => {
    const services = await ensureServices({
      redisUrl: sharedRedis,
      databaseUrl: sharedMysql,
      dataDir,
      log,
    })
    expect(services).toMatchObject({ redisUrl: sharedRedis, databaseUrl: sharedMysql })
    await services.stop()
  })
})

describe('without the server binaries', () => {
  const which = () => null

  test('ensureRedis says what to install', async () => {
    const url = `redis://127.0.0.1:${await nobodyOn()}`
    const error = await ensureRedis(url, { dataDir, which }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingServiceError)
    expect(String(error)).toContain('apt-get install redis-server')
    expect(String(error)).toContain('docker compose up -d redis mysql')
    expect(String(error)).toContain('REDIS_URL')
  })

  test('ensureMysql says what to install', async () => {
    const url = `mysql://root:hidden@127.0.0.1:${await nobodyOn()}/x`
    const error = await ensureMysql(url, { dataDir, which }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingServiceError)
    expect(String(error)).toContain('apt-get install mariadb-server')
    expect(String(error)).toContain('docker compose up -d redis mysql')
    expect(String(error)).not.toContain('hidden')
  })

  test('ensureServices fails and stops what it did start', async () => {
    const started: string[] = []
    const error = await ensureServices({
      redisUrl: `redis://127.0.0.1:${await nobodyOn()}`,
      databaseUrl: `mysql://root@127.0.0.1:${await nobodyOn()}/x`,
      dataDir,
      log: (line) => started.push(...(line.match(/started (\S+)/)?.slice(1) ?? [])),
      // Only Redis is missing, so MySQL gets started and must be stopped again.
      which: (bin) => (bin === 'redis-server' ? null : defaultWhich(bin)),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingServiceError)
    expect(started).toHaveLength(1)
    expect((await probeMysql(started[0] ?? '')).ok).toBe(false)
  })
})
