import { type FaultKind, faultKinds } from './faults.ts'
import { newSeed } from './prng.ts'

/**
 * What one campaign does: how many rounds, from which seed, whether faults
 * are the short kind CI runs (a few rounds, shorter MySQL locks and outages)
 * or the full ones, which Redis the stack runs (one server, or a private
 * 3-master cluster whose Redis faults strike one master), and optionally
 * which fault kinds the rounds draw from (all of them when absent).
 *
 * @example
 * const options: CampaignOptions = { rounds: 30, seed: '42', short: false, redis: 'single' }
 */
export type CampaignOptions = {
  rounds: number
  seed: string
  short: boolean
  redis: RedisKind
  faults?: readonly FaultKind[]
}

/** One redis-server, or a Redis Cluster of three masters. */
export type RedisKind = 'single' | 'cluster'

/** Rounds when none are asked for: the short campaign fits CI's budget (< 4 minutes). */
export const defaultRounds = { short: 4, long: 30 }

/**
 * Reads `--rounds=N`, `--seed=S`, `--short`, `--redis=single|cluster` and
 * `--faults=kind,kind` from the command line; CHAOS_SEED stands in for
 * `--seed` (to replay a run printed by CI).
 *
 * @example
 * parseOptions(['--short', '--seed=42'], {}) // { rounds: 4, seed: '42', short: true, redis: 'single' }
 */
export function parseOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CampaignOptions {
  const value = (name: string) =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
  const unknown = argv.filter((arg) => !/^--(rounds=|seed=|redis=|faults=|short$)/.test(arg))
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')}: ${usage}`)
  const short = argv.includes('--short')
  const roundsText = value('rounds')
  const rounds =
    roundsText === undefined ? defaultRounds[short ? 'short' : 'long'] : Number(roundsText)
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive integer, got "${roundsText}": ${usage}`)
  const seed = value('seed') ?? env.CHAOS_SEED ?? newSeed()
  if (!/^[\w.-]{1,64}$/.test(seed)) throw new Error(`the seed must be a short word, got "${seed}"`)
  const redis = value('redis') ?? 'single'
  if (redis !== 'single' && redis !== 'cluster')
    throw new Error(`--redis must be single or cluster, got "${redis}": ${usage}`)
  const faults = parseFaults(value('faults'))
  return { rounds, seed, short, redis, ...(faults ? { faults } : {}) }
}

function parseFaults(text: string | undefined): FaultKind[] | undefined {
  if (text === undefined) return undefined
  const kinds = text.split(',')
  const wrong = kinds.filter((kind) => !(faultKinds as readonly string[]).includes(kind))
  if (wrong.length || kinds.length === 0)
    throw new Error(`--faults takes kinds among ${faultKinds.join(', ')}; got "${text}"`)
  return kinds as FaultKind[]
}

const usage =
  'bun run chaos [--rounds=N] [--seed=S] [--short] [--redis=single|cluster] [--faults=kind,kind]'
