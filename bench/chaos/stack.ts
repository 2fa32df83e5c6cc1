import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { connectDb, type DbHandle } from '@flash/db/client'
import { freePort } from '@flash/devstack'
import type { RedisClient } from '@flash/redis'
import { connectRedis, type KeySpace, keySpace } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { clusterMasters, type FaultableRedis, startFaultableRedis } from './faultable-redis.ts'
import { httpReady, type Managed, managed, printed } from './managed.ts'
import type { RedisKind } from './options.ts'
import { type PrivateMysql, startPrivateMysql } from './servers.ts'

/** Every app process a kill -9 may hit; the sandbox is not one (see `Stack.killable`). */
export const killableApps = [
  'gateway',
  'auth',
  'catalog',
  'checkout-1',
  'checkout-2',
  'worker-1',
  'worker-2',
] as const
export type KillableApp = (typeof killableApps)[number]

/** The share of charges the sandbox declines outside a fault (a few cards are always refused). */
export const calmDeclineRate = 0.1

/** The worker's payment timeout: a slow provider is slower than this. */
export const paymentTimeoutMs = 1_000

/**
 * The campaign's own system: private Redis (one server, or a 3-master
 * cluster with one partition per master) and MariaDB, the sandbox, auth,
 * catalog, two checkout processes sharing one port (one port group,
 * REUSE_PORT_GROUP, so the kernel spreads connections over both and the
 * gateway's single CHECKOUT_URL reaches whichever is alive), the gateway, and two
 * workers with distinct names that split the partitions.
 *
 * @example
 * const stack = await startStack({ runDir, seed: '42', redis: 'cluster', log: console.log })
 * await stack.apps['worker-1'].kill9()
 * await stack.apps['worker-1'].start()
 * await stack.stop()
 */
export type Stack = {
  gatewayUrl: string
  sandboxUrl: string
  redis: FaultableRedis
  mysql: PrivateMysql
  /** The campaign's own connections, for fixtures and checks. */
  db: DbHandle
  client: RedisClient
  space: KeySpace
  apps: Record<KillableApp, Managed>
  sandbox: Managed
  logDir: string
  stop: () => Promise<void>
}

const interrupts = ['SIGINT', 'SIGTERM'] as const

/**
 * Keys live under this prefix on the private Redis: two partitions on one
 * server, as a deployment would; one per master on a cluster (balanced tags),
 * so a master's fault stops exactly one partition's data.
 */
const prefix = 'chaos:'
const partitionsOn: Record<RedisKind, number> = { single: 2, cluster: clusterMasters }

/**
 * Timers short enough that an order reaches a settled state within seconds
 * of the end of a round (paid -> shipping -> delivered, a return completes,
 * an unpaid order rolls back), and breakers that retry within a round.
 */
const workerTimings = {
  SHIP_AFTER_SECONDS: '1',
  DELIVER_AFTER_SECONDS: '1',
  RETURN_AFTER_SECONDS: '1',
  UNPAID_ORDER_TIMEOUT_SECONDS: '20',
  SCHEDULE_STATUSES: '* * * * * *',
  SCHEDULE_PAYMENT_TIMEOUT: '*/2 * * * * *',
  SCHEDULE_RECONCILE: '*/10 * * * * *',
  SCHEDULE_STOCK_SYNC: '*/5 * * * * *',
  SCHEDULE_TRIM: '*/15 * * * * *',
  PAYMENT_TIMEOUT_MS: String(paymentTimeoutMs),
  BREAKER_OPEN_MS: '2000',
}

/**
 * @example
 * const stack = await startStack({ runDir: '.data/chaos/run-42', seed: '42', redis: 'single', log: console.log })
 */
export async function startStack(input: {
  runDir: string
  seed: string
  redis: RedisKind
  log: (line: string) => void
}): Promise<Stack> {
  const partitions = partitionsOn[input.redis]
  const logDir = join(input.runDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const started: { stop: () => Promise<void> }[] = []
  const stopAll = async () => {
    for (const signal of interrupts) process.off(signal, interrupted)
    for (const each of started.toReversed()) await each.stop().catch(() => {})
  }
  // Ctrl-C in the middle of a round (Redis paused, MySQL locked) still stops everything:
  // the private Redis's stop continues it first, and the lock goes with its server.
  const interrupted = () => {
    input.log('interrupted: stopping the stack')
    void stopAll().finally(() => process.exit(130))
  }
  for (const signal of interrupts) process.once(signal, interrupted)
  try {
    const [redis, mysql] = await Promise.all([
      startFaultableRedis(input.redis, logDir),
      startPrivateMysql((line) => input.log(`[mysql] ${line}`)),
    ])
    started.push(redis, mysql)
    input.log(`private redis (${redis.kind}) ${redis.url}, private mysql ${mysql.url}`)
    const db = connectDb(mysql.url, { connectionLimit: 4 })
    const client = connectRedis(redis.url, { name: 'chaos' })
    // Faults take this Redis away on purpose; the checks wait for it to come back.
    client.on('error', () => {})
    started.push({ stop: () => db.close() }, { stop: async () => client.disconnect() })

    const url = async () => `http://127.0.0.1:${await freePort()}`
    const [sandboxUrl, authUrl, catalogUrl, checkoutUrl, gatewayUrl] = await Promise.all([
      url(),
      url(),
      url(),
      url(),
      url(),
    ])
    const shared = {
      DATABASE_URL: mysql.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      REDIS_PARTITIONS: String(partitions),
      RATE_LIMITS: 'off',
      SERVICE_TOKEN: 'chaos-service-token',
    }
    const app = (name: string, entry: string, env: Record<string, string>, base?: string) => {
      const process = managed(
        name,
        ['bun', `apps/${entry}/src/index.ts`],
        { ...shared, ...env },
        join(logDir, `${name}.log`),
        base ? httpReady(base) : printed(`worker ${name} consuming`),
      )
      started.push(process)
      return process
    }
    const portOf = (base: string) => new URL(base).port
    const sandbox = app(
      'sandbox',
      'sandbox',
      {
        PORT: portOf(sandboxUrl),
        SANDBOX_DECLINE_RATE: String(calmDeclineRate),
        SANDBOX_SEED: input.seed,
      },
      sandboxUrl,
    )
    // The two checkouts are one port group: each joins the port only beside the other.
    const checkoutEnv = { PORT: portOf(checkoutUrl), REUSE_PORT_GROUP: crypto.randomUUID() }
    // The two workers split the partitions, as `WORKER_PROCESSES=2 bun run start` runs them.
    const worker = (name: 'worker-1' | 'worker-2') =>
      app(name, 'worker', {
        ...workerTimings,
        WORKER_NAME: name,
        WORKER_INDEX: name.slice('worker-'.length),
        WORKER_COUNT: '2',
        PAYMENT_URL: sandboxUrl,
        RESEND_BASE_URL: sandboxUrl,
      })
    const apps: Record<KillableApp, Managed> = {
      auth: app('auth', 'auth', { PORT: portOf(authUrl) }, authUrl),
      catalog: app('catalog', 'catalog', { PORT: portOf(catalogUrl) }, catalogUrl),
      'checkout-1': app('checkout-1', 'checkout', checkoutEnv, checkoutUrl),
      'checkout-2': app('checkout-2', 'checkout', checkoutEnv, checkoutUrl),
      gateway: app(
        'gateway',
        'gateway',
        {
          PORT: portOf(gatewayUrl),
          AUTH_URL: authUrl,
          CATALOG_URL: catalogUrl,
          CHECKOUT_URL: checkoutUrl,
          BREAKER_OPEN_MS: '2000',
        },
        gatewayUrl,
      ),
      'worker-1': worker('worker-1'),
      'worker-2': worker('worker-2'),
    }
    await sandbox.start()
    // One at a time: two cores, and the second checkout must find the first's port to share.
    for (const each of Object.values(apps)) await each.start()
    await waitFor(async () => (await fetch(`${gatewayUrl}/ready`)).status === 200, {
      timeoutMs: 30_000,
      what: 'the gateway to see every app ready',
    })
    input.log(`stack ready: gateway ${gatewayUrl}, sandbox ${sandboxUrl}, logs in ${logDir}`)
    return {
      gatewayUrl,
      sandboxUrl,
      redis,
      mysql,
      db,
      client,
      space: keySpace(prefix, partitions),
      apps,
      sandbox,
      logDir,
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
