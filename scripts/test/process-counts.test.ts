import { describe, expect, it } from 'bun:test'
import { processNames, readProcessCounts } from '../lib/process-counts.ts'

describe('readProcessCounts', () => {
  it('runs one process of each service unless told otherwise, blank counting as unset', () => {
    expect(readProcessCounts({ GATEWAY_PROCESSES: '' })).toEqual({
      checkout: 1,
      gateway: 1,
      worker: 1,
    })
  })

  it('reads each count from its variable', () => {
    expect(
      readProcessCounts({ CHECKOUT_PROCESSES: '4', GATEWAY_PROCESSES: '2', WORKER_PROCESSES: '3' }),
    ).toEqual({ checkout: 4, gateway: 2, worker: 3 })
  })

  it('refuses anything but a whole number from 1 to 64, naming the variable and the value', () => {
    const refusal = (env: Record<string, string | undefined>) => {
      try {
        readProcessCounts(env)
        return 'accepted'
      } catch (error) {
        return (error as Error).message
      }
    }
    expect(
      [
        { CHECKOUT_PROCESSES: '0' },
        { GATEWAY_PROCESSES: 'two' },
        { WORKER_PROCESSES: '1.5' },
        { WORKER_PROCESSES: '-1' },
        { CHECKOUT_PROCESSES: '65' },
        { CHECKOUT_PROCESSES: '2e1' },
      ].map(refusal),
    ).toEqual([
      'CHECKOUT_PROCESSES must be a whole number from 1 to 64, got "0"',
      'GATEWAY_PROCESSES must be a whole number from 1 to 64, got "two"',
      'WORKER_PROCESSES must be a whole number from 1 to 64, got "1.5"',
      'WORKER_PROCESSES must be a whole number from 1 to 64, got "-1"',
      'CHECKOUT_PROCESSES must be a whole number from 1 to 64, got "65"',
      'CHECKOUT_PROCESSES must be a whole number from 1 to 64, got "2e1"',
    ])
  })
})

describe('processNames', () => {
  it('keeps the service name for one process and numbers several', () => {
    expect([processNames('gateway', 1), processNames('checkout', 3)]).toEqual([
      ['gateway'],
      ['checkout-1', 'checkout-2', 'checkout-3'],
    ])
  })
})
