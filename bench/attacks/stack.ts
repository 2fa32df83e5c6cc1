import { freePort } from '@flash/devstack'
import { createSale, waitFor } from '@flash/testing'
import { type Fixture, prepareFixture } from '../lib/fixture.ts'
import { type Proc, startApp, waitHealthy } from '../lib/processes.ts'

/** Auth, catalog and checkout behind the gateway, a live sale, and buyers with tokens. */
export type AttackStack = {
  gatewayUrl: string
  fixture: Fixture
  saleId: string
  procs: Proc[]
  gateway: Proc
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Every process an attack through the gateway reaches, with their rate
 * limits as shipped (on): the attacks come from one address, as an
 * attacker's would, and whatever limits them is part of what is measured.
 *
 * @example
 * await using stack = await startAttackStack(logDir)
 * await fetch(`${stack.gatewayUrl}/sales/${stack.saleId}`)
 */
export async function startAttackStack(logDir: string): Promise<AttackStack> {
  const fixture = await prepareFixture({ buyers: 4 })
  const procs: Proc[] = []
  const dispose = async () => {
    for (const proc of procs.toReversed()) await proc.stop()
    await fixture[Symbol.asyncDispose]()
  }
  try {
    const { database, redis } = fixture
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
    }
    const start = async (app: string, env: Record<string, string> = {}) => {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const proc = startApp(app, { ...shared, ...env, PORT: String(port) }, logDir)
      procs.push(proc)
      await waitHealthy(proc, url)
      return { url, proc }
    }
    const auth = await start('auth')
    const catalog = await start('catalog')
    const checkout = await start('checkout')
    const gateway = await start('gateway', {
      AUTH_URL: auth.url,
      CATALOG_URL: catalog.url,
      CHECKOUT_URL: checkout.url,
    })
    const gatewayUrl = gateway.url
    await waitFor(async () => (await fetch(`${gatewayUrl}/ready`)).status === 200, {
      what: 'the gateway to see every app ready',
      timeoutMs: 30_000,
    })
    const { saleId } = await createSale(database.db, redis.redis, redis.space, {
      quantity: 1000,
      perUserLimit: 1,
    })
    return {
      gatewayUrl,
      fixture,
      saleId,
      procs,
      gateway: gateway.proc,
      [Symbol.asyncDispose]: dispose,
    }
  } catch (error) {
    await dispose()
    throw error
  }
}
