import { describe, expect, it } from 'bun:test'
import { AcceptedOrders } from '../src/modules/orders/accepted-orders.ts'

const ids = Array.from({ length: 5 }, () => Bun.randomUUIDv7())
const [a, b, c, d, e] = ids as [string, string, string, string, string]

describe('the orders a checkout process remembers accepting', () => {
  it("gives back a partition's orders accepted until a moment, once, exactly as they were", () => {
    const accepted = new AcceptedOrders(8)
    accepted.remember(a, 0, 100)
    accepted.remember(b, 1, 100)
    accepted.remember(c, 0, 200)
    accepted.remember(d, 0, 300)

    expect({
      first: accepted.take(0, 200),
      again: accepted.take(0, 200),
      later: accepted.take(0, 300),
      other: accepted.take(1, 300),
    }).toEqual({ first: [a, c], again: [], later: [d], other: [b] })
  })

  it('forgets the oldest orders once it holds as many as it can', () => {
    const accepted = new AcceptedOrders(3)
    for (const [i, id] of ids.entries()) accepted.remember(id, 0, i)

    expect(accepted.take(0, 10).sort()).toEqual([c, d, e].sort())
  })

  it('keeps every UUID byte for byte, and refuses what is not one', () => {
    const accepted = new AcceptedOrders(1000)
    const many = Array.from({ length: 1000 }, () => crypto.randomUUID())
    for (const id of many) accepted.remember(id, 2, 1)

    expect(accepted.take(2, 1)).toEqual(many)
    expect(
      ['', 'not-a-uuid', `${a}x`, a.toUpperCase()].map((id) => accepted.remember(id, 0)),
    ).toEqual([false, false, false, false])
  })
})
