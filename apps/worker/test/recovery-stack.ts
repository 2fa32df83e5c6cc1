import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { durableRedisArgs, freePort, probeRedis } from '@flash/devstack'
import { connectRedis, keySpace, readGeneration } from '@flash/redis'
import { spawnApp, testDatabase, testTokens, waitFor } from '@flash/testing'

const repoRoot = new URL('../../..', import.meta.url).pathname

/** What checkout answers about an order, or why it did not take it. */
export type Answer = {
  orderId?: string
  status?: string
  error?: { code: string; message: string }
}

/**
 * A redis-server of the test's own, with the project's durable settings
 * (append-only file, fsynced on every write here, so a copy of its folder
 * is exactly the state at that moment), on a port that stays the same
 * across restarts: the apps connected to it reconnect by themselves, as
 * they would to a production Redis that restarts. The shared Redis is
 * never restarted.
 */
export async function privateRedis() {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'recovery-redis-'))
  const start = async () => {
    const child = Bun.spawn(
      ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir].concat(
        durableRedisArgs('always'),
      ),
      { stdio: ['ignore', 'ignore', 'ignore'] },
    )
    await waitFor(async () => (await probeRedis(url, 500)).ok || undefined, {
      what: `redis-server on port ${port}`,
    })
    return child
  }
  let server = await start()
  const crash = async () => {
    server.kill('SIGKILL')
    await server.exited
  }
  return {
    url,
    /** SIGKILL, then a server on the same port with nothing in its folder: Redis back empty. */
    async restartEmpty() {
      await crash()
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir)
      server = await start()
    },
    /** A copy of the data folder as it is now (every write is fsynced before it is answered). */
    snapshot(): string {
      const copy = mkdtempSync(join(tmpdir(), 'recovery-redis-copy-'))
      cpSync(dir, copy, { recursive: true })
      return copy
    },
    /** SIGKILL, then a server on the same port from an older copy: a restore, or a lagging replica. */
    async restartFrom(copy: string) {
      await crash()
      rmSync(dir, { recursive: true, force: true })
      cpSync(copy, dir, { recursive: true })
      rmSync(copy, { recursive: true, force: true })
      server = await start()
    },
    async [Symbol.asyncDispose]() {
      await crash()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The worker as a real process whose output the test can read (to see what it logged). */
function spawnWorker(env: Record<string, string>) {
  const child = Bun.spawn(['bun', 'apps/worker/src/index.ts'], {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let output = ''
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true })
  }
  const reading = Promise.all([read(child.stdout), read(child.stderr)])
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
      await reading
    },
  }
}

/**
 * A whole checkout pipeline on a private Redis: its own database and key
 * prefix, the sandbox, checkout and the worker as real processes (the
 * worker started and stopped at will). Nothing marks the key space: the
 * worker's first recovery does, as in a new deployment.
 */
export async function recoveryStack() {
  const redisServer = await privateRedis()
  const database = await testDatabase()
  const prefix = `t${crypto.randomUUID().slice(0, 8)}:`
  const space = keySpace(prefix)
  const redis = connectRedis(redisServer.url, { name: 'recovery-test' })
  // Refused connections while the server restarts are the point; ioredis reconnects by itself.
  redis.on('error', () => {})
  const [sandboxPort, checkoutPort] = [await freePort(), await freePort()]
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`
  const checkoutUrl = `http://127.0.0.1:${checkoutPort}`
  const sandbox = spawnApp('sandbox', {
    PORT: String(sandboxPort),
    SANDBOX_DECLINE_RATE: '0',
    SANDBOX_SEED: 'tests',
  })
  const shared = { DATABASE_URL: database.url, REDIS_URL: redisServer.url, REDIS_PREFIX: prefix }
  const checkout = spawnApp('checkout', {
    ...shared,
    PORT: String(checkoutPort),
    RATE_LIMITS: 'off',
  })
  await waitFor(async () => (await fetch(`${sandboxUrl}/health`).catch(() => null))?.ok, {
    what: 'the sandbox to start',
  })
  await waitFor(async () => (await fetch(`${checkoutUrl}/health`).catch(() => null))?.ok, {
    what: 'checkout to start',
    timeoutMs: 30_000,
  })
  let worker: ReturnType<typeof spawnWorker> | null = null
  let workerLog = ''
  return {
    redisServer,
    database,
    redis,
    space,
    checkoutUrl,
    startWorker() {
      worker = spawnWorker({
        ...shared,
        PAYMENT_URL: sandboxUrl,
        RESEND_BASE_URL: sandboxUrl,
        SCHEDULES: 'off',
        WORKER_NAME: 'recovery-test',
      })
    },
    /** Resolves once every partition is current: the worker's first recovery has run. */
    async recovered() {
      await waitFor(async () => (await readGeneration(redis, space, 0)).state === 'current', {
        what: "the worker's recovery to stamp the key space",
        timeoutMs: 30_000,
      })
    },
    async stopWorker() {
      await worker?.stop()
      workerLog += worker?.output() ?? ''
      worker = null
    },
    /** Everything the worker printed, across its runs. */
    workerLog: () => workerLog + (worker?.output() ?? ''),
    /** Changes how the payment provider behaves (`outage: true`: every charge answers 503). */
    async payments(change: object) {
      await fetch(`${sandboxUrl}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(change),
      })
    },
    /** POST /orders as a buyer; status, the Retry-After header and the body. */
    async order(buyerId: string, body: object, idempotencyKey: string) {
      const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
      const response = await fetch(`${checkoutUrl}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
      }).catch(() => null)
      if (!response) return { status: 0, retryAfter: null, body: {} as Answer }
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Answer,
      }
    },
    async cancel(buyerId: string, orderId: string) {
      const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
      const response = await fetch(`${checkoutUrl}/orders/${orderId}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      return { status: response.status, body: (await response.json()) as Answer }
    },
    async [Symbol.asyncDispose]() {
      await worker?.stop()
      await checkout[Symbol.asyncDispose]()
      await sandbox[Symbol.asyncDispose]()
      redis.disconnect()
      await redisServer[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

export type RecoveryStack = Awaited<ReturnType<typeof recoveryStack>>
