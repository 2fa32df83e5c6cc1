import { waitFor } from '@flash/testing'
import { describeFault, type FaultPlan, type FaultTimes, runFault } from './faults.ts'
import type { Anomaly, EmptyRedisWindow } from './invariants.ts'
import { firstAcceptedAfter, type LoadRecord, startLoad } from './load.ts'
import { type Buyer, createRoundSales, type Offer } from './offers.ts'
import type { CampaignOptions } from './options.ts'
import type { Prng } from './prng.ts'
import { waitForQuiet } from './quiet.ts'
import type { Stack } from './stack.ts'

/** Loops of the load sending requests side by side (about ten requests a second in all). */
const loadConcurrency = 3

/** An anomaly with the round it first appeared in. */
export type Found = Anomaly & { round: number }

/** What one round did and found. */
export type RoundResult = {
  round: number
  plan: FaultPlan
  times?: FaultTimes
  /** From the fault's end to the first new order accepted (202). */
  recoveryMs?: number
  /** From the fault's end to quiet. */
  quietMs?: number
  accepted: number
  lostWithRedis: number
  /** The load's answers this round, per action, per status ('network', 'timeout': none came). */
  answers: Record<string, Record<string, number>>
  anomalies: Found[]
}

/** What the campaign carries from round to round. */
export type CampaignState = {
  buyers: Buyer[]
  offers: Map<string, Offer>
  record: LoadRecord
  emptyRedis: EmptyRedisWindow[]
  /** Orders an earlier round found unsettled: reported once, then no longer waited for. */
  stuckOrders: Set<string>
}

/**
 * One round: three new sales, the load, one fault at its moment, the wait for
 * a new order accepted (recovery), a few more seconds of load, then quiet.
 *
 * @example
 * const result = await runRound(stack, state, { round: 1, plan, options, random })
 */
export async function runRound(
  stack: Stack,
  state: CampaignState,
  input: {
    round: number
    plan: FaultPlan
    options: CampaignOptions
    random: Prng
  },
): Promise<RoundResult> {
  const { round, plan } = input
  const bounds = input.options.short
    ? { recoveryMs: 45_000, quietMs: 60_000, afterMs: 4_000 }
    : { recoveryMs: 60_000, quietMs: 120_000, afterMs: 8_000 }
  const result: RoundResult = {
    round,
    plan,
    accepted: 0,
    lostWithRedis: 0,
    answers: {},
    anomalies: [],
  }
  const flag = (invariant: Anomaly['invariant'], message: string, evidence: unknown) =>
    result.anomalies.push({ round, invariant, key: `${invariant}:${round}`, message, evidence })

  const sales = await createRoundSales(stack, round)
  for (const sale of sales) state.offers.set(sale.id, sale)
  const product = [...state.offers.values()].find((offer) => offer.kind === 'product') as Offer
  const before = state.record.placed.size
  const roundStart = Date.now()
  const load = startLoad({
    gatewayUrl: stack.gatewayUrl,
    buyers: state.buyers,
    offers: [...sales, product],
    all: state.offers,
    record: state.record,
    random: input.random.fork(`load-${round}`),
    round,
    concurrency: loadConcurrency,
  })
  try {
    // When the fault strikes is part of the experiment, drawn from the seed.
    await Bun.sleep(plan.startAfterMs)
    result.times = await runFault(stack, plan)
    if (plan.kind.startsWith('redis-empty'))
      state.emptyRedis.push({ round, from: roundStart, to: result.times.endedAt })
    const ended = result.times.endedAt
    const recovered = await waitFor(() => firstAcceptedAfter(state.record, ended), {
      timeoutMs: bounds.recoveryMs,
      intervalMs: 50,
      what: 'a new order accepted after the fault',
    }).catch(() => undefined)
    if (recovered === undefined)
      flag(
        'recovery',
        `round ${round}: no order accepted within ${bounds.recoveryMs / 1000} s after ${describeFault(plan)} ended`,
        {
          answers: state.record.answers.get(round),
        },
      )
    else result.recoveryMs = recovered - ended
    // Orders placed during and after the fault are cancelled, returned and replayed a while longer.
    await Bun.sleep(bounds.afterMs)
  } catch (error) {
    flag(
      'recovery',
      `round ${round}: ${describeFault(plan)} could not be applied or ended: ${(error as Error).message}`,
      null,
    )
  } finally {
    await load.stop()
  }
  await restartStopped(stack, (message) => flag('recovery', message, null))
  result.accepted = state.record.placed.size - before
  result.answers = state.record.answers.get(round) ?? {}

  const expected = [...state.record.placed.values()].filter(
    (p) => !state.emptyRedis.some((w) => p.at >= w.from && p.at <= w.to),
  )
  const quiet = await waitForQuiet(
    stack,
    [...state.offers.values()],
    expected,
    bounds.quietMs,
    state.stuckOrders,
  )
  if (quiet.quiet) result.quietMs = Date.now() - (result.times?.endedAt ?? roundStart)
  else
    flag(
      'quiet',
      `round ${round}: not quiet ${bounds.quietMs / 1000} s after the load stopped: ${quiet.residue.slice(0, 6).join('; ')}`,
      {
        residue: quiet.residue,
      },
    )
  return result
}

/** A process a fault left down (its restart failed) is started again before the next round. */
async function restartStopped(stack: Stack, flag: (message: string) => void) {
  for (const app of [...Object.values(stack.apps), stack.sandbox])
    if (!app.running()) {
      flag(`${app.name} was not running after the round; starting it again`)
      await app
        .start()
        .catch((error) => flag(`${app.name} did not start: ${(error as Error).message}`))
    }
  await stack.redis.restartStopped()
}
