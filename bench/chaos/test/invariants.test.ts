import { describe, expect, test } from 'bun:test'
import { type CheckInput, checkInvariants } from '../invariants.ts'
import type { Placed } from '../load.ts'
import type { Offer } from '../offers.ts'
import type { Snapshot, StoredOrder } from '../snapshot.ts'

const sale: Offer = {
  kind: 'sale',
  id: 'sale-1',
  productId: 'product-1',
  quantity: 3,
  perUserLimit: 1,
  round: 1,
  size: 'small',
}
const orderId = (n: number) => `0000000${n}-0000-7000-8000-000000000000`

function order(n: number, status: string, buyerId = `buyer-${n}`): StoredOrder {
  return { id: orderId(n), buyerId, offerId: sale.id, status, units: 1 }
}

function placed(n: number, at = 1_000): Placed {
  return {
    orderId: orderId(n),
    buyerId: `buyer-${n}`,
    offerId: sale.id,
    quantity: 1,
    key: `k${n}`,
    round: 1,
    at,
  }
}

/** Two orders: one paid (charge kept, e-mailed), one cancelled (refunded, e-mailed both). */
function calm(): CheckInput {
  const snapshot: Snapshot = {
    orders: [order(1, 'paid'), order(2, 'cancelled')],
    payments: new Map([
      [orderId(1), 'succeeded'],
      [orderId(2), 'refunded'],
    ]),
    charges: [
      { id: 'c1', orderId: orderId(1), status: 'succeeded', refundedAt: null },
      { id: 'c2', orderId: orderId(2), status: 'succeeded', refundedAt: '2026-01-01T00:00:00Z' },
    ],
    emails: [
      { subject: 'Your order is paid', text: `Order ${orderId(1)} is paid.` },
      { subject: 'Your order is cancelled', text: `Order ${orderId(2)} is cancelled.` },
      {
        subject: 'Your payment was refunded',
        text: `The payment for order ${orderId(2)} has been refunded.`,
      },
    ],
    stock: new Map([[sale.id, 2]]),
    groups: [],
    orphanStreams: [],
    deadLetters: [{ stream: 'chaos:{p0}:stream:dead-letter', length: 0, first: [] }],
  }
  return {
    offers: [sale],
    record: {
      placed: new Map([placed(1), placed(2)].map((p) => [p.orderId, p])),
      replayMismatches: [],
      missingOffers: [],
    },
    snapshot,
    emptyRedis: [],
  }
}

const invariantsOf = (input: CheckInput) => checkInvariants(input).anomalies.map((a) => a.invariant)

describe('the campaign invariants', () => {
  test('find nothing wrong with a settled, consistent system', () => {
    expect(checkInvariants(calm())).toEqual({
      anomalies: [],
      lostWithRedis: [],
      missingEmailsExcused: 0,
    })
  })

  test('object to more units held than the sale has, and to a buyer over the limit', () => {
    const input = calm()
    input.snapshot.orders.push(
      order(3, 'shipping', 'buyer-1'),
      order(4, 'delivered'),
      order(5, 'paid'),
    )
    input.snapshot.stock.set(sale.id, 0)
    const found = checkInvariants(input).anomalies.filter((a) => a.invariant === 'oversell')
    expect(found.map((a) => a.key)).toEqual([`offer:${sale.id}`, `buyer:${sale.id}:buyer-1`])
  })

  test('object to an accepted order missing from MySQL, unless Redis came back empty meanwhile', () => {
    const input = calm()
    input.record.placed.set(orderId(3), placed(3, 5_000))
    expect(invariantsOf(input)).toEqual(['stored'])
    input.emptyRedis = [{ round: 1, from: 4_000, to: 6_000 }]
    expect(checkInvariants(input)).toEqual({
      anomalies: [],
      lostWithRedis: [placed(3, 5_000)],
      missingEmailsExcused: 0,
    })
  })

  test('object to an order left pending', () => {
    const input = calm()
    input.snapshot.orders[0] = order(1, 'pending')
    input.snapshot.charges.shift()
    input.snapshot.emails.shift()
    expect(invariantsOf(input)).toEqual(['stored'])
  })

  test('object to a charge kept by a cancelled order and to a second charge kept by a paid order', () => {
    const input = calm()
    input.snapshot.charges = input.snapshot.charges.map((c) => ({ ...c, refundedAt: null }))
    input.snapshot.charges.push({
      id: 'c3',
      orderId: orderId(1),
      status: 'succeeded',
      refundedAt: null,
    })
    expect(invariantsOf(input)).toEqual(['charges', 'charges'])
  })

  test('object when Redis stock and live units do not add up to the quantity, or the stock is gone', () => {
    const input = calm()
    input.snapshot.stock.set(sale.id, 3)
    expect(invariantsOf(input)).toEqual(['stock'])
    input.snapshot.stock.set(sale.id, null)
    expect(invariantsOf(input)).toEqual(['stock'])
  })

  test('object to two e-mails of one kind for one order, and to a missing one', () => {
    const input = calm()
    input.snapshot.emails.push({
      subject: 'Your order is paid',
      text: `Order ${orderId(1)} is paid.`,
    })
    input.snapshot.emails = input.snapshot.emails.filter(
      (e) => e.subject !== 'Your order is cancelled',
    )
    expect(checkInvariants(input).anomalies.map((a) => a.key)).toEqual([
      `email:${orderId(1)} order_paid`,
      `email:${orderId(2)} order_cancelled`,
    ])
  })

  test('object to a dead letter, a 404 for an offer MySQL holds, and a replay answered with another order', () => {
    const input = calm()
    input.snapshot.deadLetters[0] = {
      stream: 'chaos:{p0}:stream:dead-letter',
      length: 1,
      first: ['1-0 x'],
    }
    input.record.missingOffers.push({
      round: 1,
      offerId: sale.id,
      request: 'POST /orders',
      at: 2_000,
      body: '',
    })
    input.record.replayMismatches.push({
      round: 1,
      buyerId: 'buyer-1',
      offerId: sale.id,
      key: 'k1',
      firstOrderId: orderId(1),
      firstAt: 1_000,
      at: 2_000,
      answer: { status: 202, orderId: orderId(9) },
    })
    expect(invariantsOf(input)).toEqual(['dead-letters', 'offer-found', 'replays'])
  })
})
