import { describe, expect, it } from 'bun:test'
import { MAX_ORDER_QUANTITY, MAX_PRICE } from '../src/index.ts'

describe('the limits', () => {
  it('keep the largest possible order total an exact integer', () => {
    const largest = MAX_PRICE * MAX_ORDER_QUANTITY
    expect(largest).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    expect(BigInt(MAX_PRICE) * BigInt(MAX_ORDER_QUANTITY)).toBe(BigInt(largest))
  })
})
