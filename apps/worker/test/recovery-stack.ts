import { freePort } from '@flash/devstack'
import { connectRedis, keySpace, readGeneration } from '@flash/redis'
import { privateRedis, spawnApp, testDatabase, testTokens, waitFor } from '@flash/testing'

const repoRoot = new URL('../../..', import.meta.url).pathname

/** What checkout answers about an order, or why it did not take it. */
export type Answer = {
  orderId?: string
  status?: string
  error?: { code: string; message: string }
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
  const redisServer = await privateRedis({ appendfsync: 'always' })
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
