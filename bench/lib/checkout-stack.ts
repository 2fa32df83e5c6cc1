import { join } from 'node:path'
import { freePort } from '@flash/devstack'
import { offerKeys } from '@flash/redis'
import { createSale, type SaleFixture } from '@flash/testing'
import { type Fixture, prepareFixture } from './fixture.ts'
import { type Proc, startApp, startProcess, waitHealthy, waitPrinted } from './processes.ts'
import { sharedServers, type Watched } from './usage.ts'

/**
 * One checkout process (and a gateway in front of it when asked: checkout in
 * the gateway's process, or a process of its own behind it) on a fixture of
 * its own, with rate limits off: the load comes from one address.
 *
 * @example
 * await using stack = await startCheckoutStack({ buyers: 5000, logDir })
 * const saleId = await stack.sale({ quantity: 1000, perUserLimit: 1 })
 */
export type CheckoutStack = {
  fixture: Fixture
  /** Where the load goes: the gateway when there is one, else checkout. */
  url: string
  checkoutUrl: string
  /** Every process serving the load, for memory and CPU figures. */
  watched: Watched[]
  /** A live sale on this stack's data; `stock` overrides the Redis counter (0 = empty sale). */
  sale: (input: SaleFixture & { stock?: number }) => Promise<string>
  [Symbol.asyncDispose]: () => Promise<void>
}

/** Options: who buys, where logs go, and which Redis (a private one, or a private cluster). */
export type StackOptions = {
  buyers: number
  logDir: string
  /** In front of checkout: `in-process` runs checkout inside it (CHECKOUT_IN_PROCESS). */
  gateway?: 'in-process' | 'remote'
  /**
   * A private Redis or Redis Cluster the caller started: its URL and its
   * server processes, watched too (one row per cluster master in the report).
   */
  redis?: { url: string; servers: readonly Watched[] }
  /** REDIS_PARTITIONS, on a private Redis only (default 1). */
  partitions?: number
  /** Checkout processes sharing its port as one port group (default 1); not with `in-process`. */
  checkoutProcesses?: number
}

/**
 * @example
 * await using stack = await startCheckoutStack({ buyers: 2000, logDir, gateway: true })
 */
export async function startCheckoutStack(options: StackOptions): Promise<CheckoutStack> {
  const fixture = await prepareFixture({
    buyers: options.buyers,
    redisUrl: options.redis?.url,
    partitions: options.partitions,
  })
  const procs: Proc[] = []
  const dispose = async () => {
    for (const proc of procs.reverse()) await proc.stop()
    await fixture[Symbol.asyncDispose]()
  }
  try {
    const { redis, database } = fixture
    const checkoutPort = await freePort()
    const checkoutUrl = `http://127.0.0.1:${checkoutPort}`
    const checkoutEnv = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      REDIS_PARTITIONS: String(redis.space.partitions),
      RATE_LIMITS: 'off',
    }
    const processes = options.checkoutProcesses ?? 1
    if (options.gateway !== 'in-process' && processes === 1) {
      const checkout = startApp(
        'checkout',
        { ...checkoutEnv, PORT: String(checkoutPort) },
        options.logDir,
      )
      procs.push(checkout)
      await waitHealthy(checkout, checkoutUrl)
    }
    if (options.gateway !== 'in-process' && processes > 1) {
      // One port group, as `CHECKOUT_PROCESSES=n bun run start` runs them.
      const env = {
        ...checkoutEnv,
        PORT: String(checkoutPort),
        REUSE_PORT_GROUP: crypto.randomUUID(),
      }
      for (let i = 1; i <= processes; i++) {
        const name = `checkout-${i}`
        const checkout = startProcess(
          name,
          ['bun', 'apps/checkout/src/index.ts'],
          env,
          join(options.logDir, `${name}.log`),
        )
        procs.push(checkout)
        // /health would answer from the first one: each says when it listens itself.
        await waitPrinted(checkout, 'listening on')
      }
    }
    let url = checkoutUrl
    if (options.gateway) {
      const port = await freePort()
      url = `http://127.0.0.1:${port}`
      // Auth and catalog are never called on this path; nothing listens at their URLs.
      const gateway = startApp(
        'gateway',
        {
          ...checkoutEnv,
          PORT: String(port),
          CHECKOUT_URL: checkoutUrl,
          CHECKOUT_IN_PROCESS: options.gateway === 'in-process' ? 'yes' : 'no',
        },
        options.logDir,
      )
      procs.push(gateway)
      await waitHealthy(gateway, url)
    }
    const servers = await sharedServers(redis.redis, database.db)
    const watched: Watched[] = [
      ...procs.map((p) => ({ name: p.name, pid: p.pid })),
      ...(options.redis?.servers ?? []),
      ...servers.filter((s) => !(options.redis && s.name.startsWith('redis'))),
    ]
    const stockKey = (saleId: string) => offerKeys(redis.space, { kind: 'sale', id: saleId }).stock
    return {
      fixture,
      url,
      checkoutUrl,
      watched,
      async sale({ stock, ...input }) {
        const { saleId } = await createSale(database.db, redis.redis, redis.space, input)
        if (stock !== undefined) await redis.redis.set(stockKey(saleId), stock)
        return saleId
      },
      [Symbol.asyncDispose]: dispose,
    }
  } catch (error) {
    await dispose()
    throw error
  }
}
