import { newSeed } from './prng.ts'

/**
 * What one campaign does: how many rounds, from which seed, and whether
 * faults are the short kind CI runs (a few rounds, shorter MySQL locks and
 * outages) or the full ones.
 *
 * @example
 * const options: CampaignOptions = { rounds: 30, seed: '42', short: false }
 */
export type CampaignOptions = { rounds: number; seed: string; short: boolean }

/** Rounds when none are asked for: the short campaign fits CI's budget (< 4 minutes). */
export const defaultRounds = { short: 4, long: 30 }

/**
 * Reads `--rounds=N`, `--seed=S` and `--short` from the command line;
 * CHAOS_SEED stands in for `--seed` (to replay a run printed by CI).
 *
 * @example
 * parseOptions(['--short', '--seed=42'], {}) // { rounds: 4, seed: '42', short: true }
 */
export function parseOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CampaignOptions {
  const value = (name: string) =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
  const unknown = argv.filter((arg) => !/^--(rounds=|seed=|short$)/.test(arg))
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')}: ${usage}`)
  const short = argv.includes('--short')
  const roundsText = value('rounds')
  const rounds =
    roundsText === undefined ? defaultRounds[short ? 'short' : 'long'] : Number(roundsText)
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive integer, got "${roundsText}": ${usage}`)
  const seed = value('seed') ?? env.CHAOS_SEED ?? newSeed()
  if (!/^[\w.-]{1,64}$/.test(seed)) throw new Error(`the seed must be a short word, got "${seed}"`)
  return { rounds, seed, short }
}

const usage = 'bun run chaos [--rounds=N] [--seed=S] [--short]'
