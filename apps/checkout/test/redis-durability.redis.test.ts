import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer } from '@flash/devstack'
import { waitFor } from '@flash/testing'

// Every process here gets a private redis-server with the settings under test:
// the shared Redis is never reconfigured.
const repoRoot = new URL('../../..', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'checkout-durability-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Secrets of our own, so a production start gets past env.ts to the Redis check. */
const productionSecrets = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-forty-characters!',
  SERVICE_TOKEN: 'a-production-service-token',
  PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
}

/** What the app printed once it announced itself, or once it exited. */
type Start = { started: boolean; stderr: string }

/**
 * Starts `bun apps/<app>/src/index.ts` on a private Redis started with `redisArgs`
 * over the durable defaults, and reports whether it got as far as serving
 * (or consuming, for the worker), with everything it wrote to stderr. A
 * started app is stopped with SIGTERM before this returns.
 */
async function startApp(
  app: string,
  redisArgs: string[],
  env: Record<string, string> = {},
): Promise<Start> {
  await using redis = await startRedisServer({
    dir: mkdtempSync(join(scratch, 'redis-')),
    args: redisArgs,
  })
  const child = Bun.spawn(['bun', `apps/${app}/src/index.ts`], {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      PORT: '0',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `durability-${crypto.randomUUID()}:`,
      SCHEDULES: 'off',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const out = { stdout: '', stderr: '' }
  const collect = async (name: keyof typeof out) => {
    const decoder = new TextDecoder()
    for await (const bytes of child[name]) out[name] += decoder.decode(bytes, { stream: true })
  }
  const collected = Promise.all([collect('stdout'), collect('stderr')])
  try {
    const started = await waitFor(
      () => {
        if (/listening on|consuming/.test(out.stdout)) return 'started'
        if (child.exitCode !== null) return 'exited'
      },
      { what: `${app} to serve or exit`, timeoutMs: 20_000 },
    )
    if (child.exitCode === null) child.kill('SIGTERM')
    await child.exited
    await collected
    return { started: started === 'started', stderr: out.stderr }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

/** How many times `text` contains `part`. */
const count = (text: string, part: string) => text.split(part).length - 1

describe('bun apps/checkout/src/index.ts checks its Redis at start', () => {
  it('refuses to start on a Redis that evicts keys, and says to set maxmemory-policy noeviction', async () => {
    expect(await startApp('checkout', ['--maxmemory-policy', 'allkeys-lru'])).toEqual({
      started: false,
      stderr: expect.stringContaining(
        'maxmemory-policy allkeys-lru): stock counters, holdings, order states and stream entries of accepted orders would vanish without an error. ' +
          'Set maxmemory-policy noeviction: `CONFIG SET maxmemory-policy noeviction`',
      ),
    })
  })

  it('starts on a Redis without an append-only file in development, after one loud warning', async () => {
    const start = await startApp('checkout', ['--appendonly', 'no'])
    expect({
      started: start.started,
      warnings: count(start.stderr, 'WARNING: Redis at'),
      noAof: start.stderr.includes('keeps no append-only file (appendonly no)'),
    }).toEqual({ started: true, warnings: 1, noAof: true })
  })

  it('under NODE_ENV=production, refuses a Redis without an append-only file, naming the override, and starts on a durable one', async () => {
    expect({
      noAof: await startApp('checkout', ['--appendonly', 'no'], productionSecrets),
      durable: await startApp('checkout', [], productionSecrets),
    }).toEqual({
      noAof: {
        started: false,
        stderr: expect.stringMatching(
          /Refused under NODE_ENV=production: turn the append-only file on: `CONFIG SET appendonly yes`.*set REDIS_ALLOW_NO_AOF=yes/,
        ),
      },
      durable: { started: true, stderr: expect.not.stringContaining('Redis at') },
    })
  })

  it('starts without an append-only file in production when REDIS_ALLOW_NO_AOF=yes, still warning', async () => {
    const start = await startApp('checkout', ['--appendonly', 'no'], {
      ...productionSecrets,
      REDIS_ALLOW_NO_AOF: 'yes',
    })
    expect({
      started: start.started,
      allowed: start.stderr.includes('allowed by REDIS_ALLOW_NO_AOF'),
    }).toEqual({ started: true, allowed: true })
  })

  it('starts on a Redis that refuses CONFIG, warning that its settings were not checked', async () => {
    const start = await startApp('checkout', ['--rename-command', 'CONFIG', ''], productionSecrets)
    expect({
      started: start.started,
      unchecked: start.stderr.includes('so they are not checked'),
    }).toEqual({ started: true, unchecked: true })
  })
})

describe('every app that uses Redis checks it at start', () => {
  for (const app of ['auth', 'catalog', 'gateway', 'worker'])
    it(`${app} refuses a Redis that evicts keys, and without an append-only file in production`, async () => {
      const evicting = await startApp(app, ['--maxmemory-policy', 'volatile-lru'])
      const noAof = await startApp(app, ['--appendonly', 'no'], productionSecrets)
      expect({
        evicting: {
          started: evicting.started,
          says: evicting.stderr.includes('CONFIG SET maxmemory-policy noeviction'),
        },
        noAof: { started: noAof.started, says: noAof.stderr.includes('REDIS_ALLOW_NO_AOF=yes') },
      }).toEqual({
        evicting: { started: false, says: true },
        noAof: { started: false, says: true },
      })
    })
})
