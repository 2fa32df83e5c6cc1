import { describe, expect, it } from 'bun:test'
import { AcceptedOrders } from '../src/modules/orders/accepted-orders.ts'

describe('the orders a checkout process remembers accepting', () => {
  it("gives back a partition's orders accepted until a moment, once", () => {
    const accepted = new AcceptedOrders(8)
    accepted.remember('a', 0, 100)
    accepted.remember('b', 1, 100)
    accepted.remember('c', 0, 200)
    accepted.remember('d', 0, 300)

    expect({
      first: accepted.take(0, 200),
      again: accepted.take(0, 200),
      later: accepted.take(0, 300),
      other: accepted.take(1, 300),
    }).toEqual({ first: ['a', 'c'], again: [], later: ['d'], other: ['b'] })
  })

  it('forgets the oldest orders once it holds as many as it can', () => {
    const accepted = new AcceptedOrders(3)
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) accepted.remember(id, 0, i)

    expect(accepted.take(0, 10).sort()).toEqual(['c', 'd', 'e'])
  })
})
