/**
 * What one `bun run bench` does: how long each load runs, how many
 * connections, how much data. `--quick` shrinks everything so the whole suite
 * stays under two minutes; the full run gives steadier figures.
 */
import { availableParallelism } from 'node:os'

/**
 * The scenarios, in the order they run (the report keeps this order). The
 * gateway's two run right after the stampede they are compared with, before
 * the scenarios that leave the machine busy (the durability scenario's disk
 * writes, the drain's MySQL work).
 */
export const scenarioNames = [
  'bare',
  'stampede',
  'gateway',
  'gateway-remote',
  'sold-out',
  'sellout',
  'lock-baseline',
  'drain',
  'durability',
  'stampede-n',
  'stampede-cluster',
  'stampede-buckets',
  'stampede-cluster-kill',
] as const

export type ScenarioName = (typeof scenarioNames)[number]

export type BenchOptions = {
  quick: boolean
  /** Length of each measured load run. */
  seconds: number
  /** Unmeasured load first, so the JIT and connection pools are warm. */
  warmupSeconds: number
  connections: number
  threads: number
  /** Buyers (and tokens) behind the stampede-like scenarios. */
  buyers: number
  /** The sellout: units on sale and buyers fighting for them. */
  selloutUnits: number
  selloutBuyers: number
  /** Orders the drain scenario puts through the worker. */
  drainOrders: number
  /** Checkout processes on one port that `stampede-n` measures against one. */
  checkoutProcesses: number
  only: ReadonlySet<ScenarioName>
  /** Also run oha where it is installed and can drive the scenario. */
  oha: boolean
}

const full = {
  seconds: 10,
  warmupSeconds: 2,
  buyers: 10_000,
  selloutUnits: 5_000,
  selloutBuyers: 25_000,
  drainOrders: 20_000,
}
const quick = {
  seconds: 3,
  warmupSeconds: 1,
  buyers: 2_000,
  selloutUnits: 1_000,
  selloutBuyers: 5_000,
  drainOrders: 3_000,
}

/**
 * Reads `--quick`, `--seconds=N`, `--connections=N`, `--only=a,b`, `--no-oha`
 * and `--checkout-processes=N` (default: the machine's cores, at least 2).
 *
 * @example
 * parseOptions(['--quick', '--only=bare,stampede']).seconds // 3
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map(
    argv.map((arg) => {
      const [name = '', value = 'true'] = arg.replace(/^--/, '').split('=')
      return [name, value] as const
    }),
  )
  for (const name of flags.keys())
    if (!['quick', 'seconds', 'connections', 'only', 'no-oha', 'checkout-processes'].includes(name))
      throw new Error(
        `unknown option --${name} (known: --quick --seconds= --connections= --only= --no-oha --checkout-processes=)`,
      )
  const isQuick = flags.has('quick')
  const base = isQuick ? quick : full
  const only = (flags.get('only')?.split(',') ?? [...scenarioNames]) as ScenarioName[]
  for (const name of only)
    if (!scenarioNames.includes(name))
      throw new Error(`unknown scenario "${name}" (known: ${scenarioNames.join(', ')})`)
  const connections = positive(flags.get('connections') ?? '64', 'connections')
  return {
    ...base,
    quick: isQuick,
    seconds: positive(flags.get('seconds') ?? String(base.seconds), 'seconds'),
    connections,
    // One wrk thread per core of this 2-core target; never more threads than connections.
    threads: Math.min(2, connections),
    only: new Set(only),
    oha: !flags.has('no-oha'),
    checkoutProcesses: positive(
      flags.get('checkout-processes') ?? String(Math.max(2, availableParallelism())),
      'checkout-processes',
    ),
  }
}

function positive(raw: string, name: string): number {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`)
  return n
}
