/** How many processes `bun run start` runs of each service that can run several on one port. */
export type ProcessCounts = { checkout: number; gateway: number; worker: number }

const VARIABLES = {
  checkout: 'CHECKOUT_PROCESSES',
  gateway: 'GATEWAY_PROCESSES',
  worker: 'WORKER_PROCESSES',
} as const

/** More would only queue on the machine's cores: a typo, not a plan. */
const MOST = 64

/**
 * Reads CHECKOUT_PROCESSES, GATEWAY_PROCESSES and WORKER_PROCESSES (1 each
 * when unset or blank): whole numbers from 1 to 64. Anything else is an
 * error whose message names the variable and the value.
 *
 * @example
 * readProcessCounts({ CHECKOUT_PROCESSES: '4' }) // { checkout: 4, gateway: 1, worker: 1 }
 * readProcessCounts({ WORKER_PROCESSES: 'two' }) // throws: WORKER_PROCESSES must be a whole number from 1 to 64, got "two"
 */
export function readProcessCounts(env: Record<string, string | undefined>): ProcessCounts {
  const read = (variable: string) => {
    const raw = env[variable]?.trim()
    if (raw === undefined || raw === '') return 1
    const count = Number(raw)
    if (!/^\d+$/.test(raw) || count < 1 || count > MOST)
      throw new Error(`${variable} must be a whole number from 1 to ${MOST}, got "${raw}"`)
    return count
  }
  return {
    checkout: read(VARIABLES.checkout),
    gateway: read(VARIABLES.gateway),
    worker: read(VARIABLES.worker),
  }
}

/**
 * The names of `count` processes of one service in the logs: the service's
 * own name for one, `<service>-1` to `<service>-<count>` for several.
 *
 * @example
 * processNames('checkout', 2) // ['checkout-1', 'checkout-2']
 * processNames('gateway', 1) // ['gateway']
 */
export function processNames(service: string, count: number): string[] {
  if (count === 1) return [service]
  return Array.from({ length: count }, (_, i) => `${service}-${i + 1}`)
}
