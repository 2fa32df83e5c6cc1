import { describe, expect, test } from 'bun:test'
import type { Offer } from '../offers.ts'
import { notQuiet } from '../quiet.ts'
import type { Snapshot } from '../snapshot.ts'

const sale: Offer = {
  kind: 'sale',
  id: 'sale-1',
  productId: 'product-1',
  quantity: 10,
  perUserLimit: 2,
  round: 1,
  size: 'medium',
}

function snapshot(): Snapshot {
  return {
    orders: [{ id: 'o1', buyerId: 'b1', offerId: sale.id, status: 'delivered', units: 1 }],
    payments: new Map([['o1', 'succeeded']]),
    charges: [{ id: 'c1', orderId: 'o1', status: 'succeeded', refundedAt: null }],
    emails: [],
    stock: new Map([[sale.id, 9]]),
    buckets: new Map(),
    transfers: { underWay: [], steady: true },
    groups: [{ stream: 's', group: 'order-writer', pending: 0, lag: 0 }],
    orphanStreams: [],
    deadLetters: [],
  }
}

describe('quiet', () => {
  test('is reached when streams are drained and every order, payment and refund is settled', () => {
    expect(notQuiet(snapshot(), [sale], [])).toEqual([])
  })

  test('waits for streams, stuck orders, unknown payments, refunds owed and 202s not yet stored', () => {
    const s = snapshot()
    s.groups[0] = { stream: 's', group: 'order-writer', pending: 2, lag: 1 }
    s.orphanStreams.push({ stream: 't', length: 3 })
    s.orders.push(
      { id: 'o2', buyerId: 'b2', offerId: sale.id, status: 'pending', units: 1 },
      { id: 'o3', buyerId: 'b3', offerId: sale.id, status: 'cancelled', units: 1 },
    )
    s.payments.set('o2', 'unknown').set('o3', 'succeeded')
    s.charges.push({ id: 'c2', orderId: 'o2', status: 'processing', refundedAt: null })
    const missing = {
      orderId: 'o9',
      buyerId: 'b9',
      offerId: sale.id,
      quantity: 1,
      key: 'k',
      round: 1,
      at: 0,
    }
    expect(notQuiet(s, [sale], [missing])).toEqual([
      's/order-writer: pending 2, lag 1',
      't: 3 entries, no group',
      '1 orders pending',
      '1 payments unknown',
      '1 charges processing',
      '1 refunds not made',
      '1 accepted orders not in MySQL',
    ])
  })

  test('no longer waits for an order an earlier round reported stuck', () => {
    const s = snapshot()
    s.orders.push({
      id: 'o2',
      buyerId: 'b2',
      offerId: sale.id,
      status: 'return_requested',
      units: 1,
    })
    expect(notQuiet(s, [sale], [])).toEqual(['1 returns not complete'])
    const stuck = {
      orderId: 'o2',
      buyerId: 'b2',
      offerId: sale.id,
      quantity: 1,
      key: 'k',
      round: 1,
      at: 0,
    }
    expect(notQuiet(s, [sale], [stuck], new Set(['o2']))).toEqual([])
  })

  test('waits for stock transfers under way, and for a snapshot no transfer moved units during', () => {
    const s = snapshot()
    s.transfers = {
      underWay: [
        { id: 't1', saleId: sale.id, fromBucket: 1, toBucket: 0, units: 3, state: 'moved' },
      ],
      steady: false,
    }
    expect(notQuiet(s, [sale], [])).toEqual(['1 stock transfers under way'])
    s.transfers = { underWay: [], steady: false }
    expect(notQuiet(s, [sale], [])).toEqual([
      'stock transfers moved units while the snapshot was read',
    ])
  })
})
