import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createSale, startWholeStack, type WholeStack, waitFor } from '@flash/testing'
import {
  type ApiError,
  type ConnectionState,
  createClient,
  type SaleUpdate,
  type WatchOptions,
} from '../src/index.ts'
import { newBuyer } from './support/buyers.ts'
import { tcpRelay } from './support/tcp-relay.ts'

/**
 * `watchSale` through the real gateway and catalog, with a TCP relay in
 * between that the tests cut, refuse and freeze, as a flaky network would.
 */
let stack: WholeStack

beforeAll(async () => {
  stack = await startWholeStack()
}, 60_000)

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]()
})

/** A new buyer, signed in on the gateway directly, buys one unit: the sale changes while watched. */
async function buyOne(saleId: string): Promise<void> {
  const client = createClient(stack.urls.gateway)
  ;(await client.session.login(await newBuyer(stack)))._unsafeUnwrap()
  ;(await client.orders.purchase({ saleId, quantity: 1 }).place())._unsafeUnwrap()
}

/** Watches `saleId` through `baseUrl`, keeping everything the watcher was told. */
function watch(baseUrl: string, saleId: string, options?: WatchOptions) {
  const seen = {
    updates: [] as SaleUpdate[],
    states: [] as ConnectionState[],
    errors: [] as ApiError[],
  }
  const stop = createClient(baseUrl).watchSale(
    saleId,
    {
      onUpdate: (update) => seen.updates.push(update),
      onConnection: (state) => seen.states.push(state),
      onError: (error) => seen.errors.push(error),
    },
    options,
  )
  const remaining = (count: number) =>
    waitFor(() => seen.updates.at(-1)?.remaining === count, {
      what: `the watcher to see ${count} left`,
      timeoutMs: 30_000,
    })
  const state = (expected: ConnectionState) =>
    waitFor(() => seen.states.at(-1) === expected, {
      what: `the connection to be ${expected}`,
      timeoutMs: 30_000,
    })
  return { seen, stop, remaining, state }
}

describe('watching a sale live', () => {
  it('gets every change, reconnects after the connection is cut and refused for a while, and catches up on what it missed', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 5,
      perUserLimit: 1,
    })
    await using relay = await tcpRelay(stack.urls.gateway)
    const watcher = watch(relay.url, saleId)
    try {
      await watcher.remaining(5)
      await buyOne(saleId)
      await watcher.remaining(4)

      relay.refuse()
      relay.cut()
      await watcher.state('reconnecting')
      // Sold while the watcher cannot reach the gateway.
      await buyOne(saleId)
      relay.accept()
      await watcher.remaining(3)
      expect({
        states: watcher.seen.states,
        reconnected: relay.accepted() > 1,
        statuses: [...new Set(watcher.seen.updates.map((u) => u.status))],
        errors: watcher.seen.errors,
      }).toEqual({
        states: ['open', 'reconnecting', 'open'],
        reconnected: true,
        statuses: ['live'],
        errors: [],
      })
    } finally {
      watcher.stop()
    }
  }, 60_000)

  it('reconnects when the stream goes silent without closing, as a connection that hangs does', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 3,
      perUserLimit: 1,
    })
    await using relay = await tcpRelay(stack.urls.gateway)
    // The server's heartbeat comes every 15 s; a second of silence is already too long here.
    const watcher = watch(relay.url, saleId, { idleTimeoutMs: 1_000 })
    try {
      await watcher.remaining(3)
      relay.freeze()
      await watcher.state('reconnecting')
      await buyOne(saleId)
      relay.thaw()
      await watcher.remaining(2)
      expect(watcher.seen.states).toEqual(['open', 'reconnecting', 'open'])
    } finally {
      watcher.stop()
    }
  }, 60_000)

  it('shows the sale selling out, and stops for good on a sale that does not exist', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 1,
      perUserLimit: 1,
    })
    const watcher = watch(stack.urls.gateway, saleId)
    const missing = watch(stack.urls.gateway, crypto.randomUUID())
    try {
      await watcher.remaining(1)
      await buyOne(saleId)
      await watcher.remaining(0)
      await waitFor(() => missing.seen.errors.length > 0, { what: 'the refusal' })
      expect({
        last: watcher.seen.updates.at(-1),
        missingErrors: missing.seen.errors.map((e) => ({ status: e.status, code: e.code })),
        missingStates: missing.seen.states,
      }).toEqual({
        last: { remaining: 0, status: 'sold_out' },
        missingErrors: [{ status: 404, code: 'not_found' }],
        missingStates: [],
      })
    } finally {
      watcher.stop()
      missing.stop()
    }
  }, 60_000)
})
