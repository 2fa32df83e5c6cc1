import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from '@flash/testing'
import { describeFault, type FaultPlan, type FaultTimes, planFaults, runFault } from './faults.ts'
import { type Anomaly, checkInvariants, type EmptyRedisWindow } from './invariants.ts'
import { firstAcceptedAfter, newLoadRecord, type Placed, startLoad } from './load.ts'
import {
  type Buyer,
  createBuyerPool,
  createListProduct,
  createRoundSales,
  type Offer,
  refreshTokens,
} from './offers.ts'
import type { CampaignOptions } from './options.ts'
import { prng } from './prng.ts'
import { waitForQuiet } from './quiet.ts'
import { type Snapshot, takeSnapshot } from './snapshot.ts'
import { type Stack, startStack } from './stack.ts'
import { systemLostLines } from './system-lost.ts'

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

/**
 * A whole campaign, for the report: the seed that replays it, every round,
 * and the totals the invariants need.
 */
export type CampaignResult = {
  options: CampaignOptions
  runDir: string
  startedAt: number
  durationMs: number
  rounds: RoundResult[]
  anomalies: Found[]
  accepted: number
  stored: number
  lostWithRedis: Placed[]
  /** E-mails missing for orders whose events may have been lost with Redis's data. */
  missingEmailsExcused: number
  /** Lines the apps logged about orders lost with Redis (what the system itself counted). */
  systemLost: string[]
  /** What the checks looked at after the last round, to show they had something to check. */
  final?: FinalState
}

/** Orders by status, charges by fate and e-mails sent, at the end. */
export type FinalState = {
  orders: Record<string, number>
  charges: Record<string, number>
  emails: number
}

const buyersCount = 150
const loadConcurrency = 3

/**
 * Starts a stack of its own, runs `options.rounds` rounds (load, one fault,
 * recovery, quiet, every invariant), stops the stack, and returns what it
 * found. Never throws for an anomaly: the caller reports and decides.
 *
 * @example
 * const result = await runCampaign({ rounds: 4, seed: '42', short: true }, console.log)
 * result.anomalies.length // 0 when every invariant held
 */
export async function runCampaign(
  options: CampaignOptions,
  log: (line: string) => void,
): Promise<CampaignResult> {
  const startedAt = Date.now()
  const runDir = join(
    new URL('../../.data/chaos', import.meta.url).pathname,
    `${new Date(startedAt).toISOString().replaceAll(/[:.]/g, '-')}-seed-${options.seed}`,
  )
  mkdirSync(runDir, { recursive: true })
  log(
    `chaos: seed ${options.seed} (replay with CHAOS_SEED=${options.seed}), ${options.rounds} rounds${options.short ? ', short' : ''}, run folder ${runDir}`,
  )
  const random = prng(options.seed)
  const plans = planFaults(random.fork('faults'), options.rounds, options.short)
  const stack = await startStack({ runDir, seed: options.seed, log })
  try {
    const state = await prepare(stack)
    const rounds: RoundResult[] = []
    const seen = new Set<string>()
    let lost: Placed[] = []
    let excused = 0
    for (const [index, plan] of plans.entries()) {
      const round = index + 1
      if (round % 20 === 0) state.buyers = await refreshTokens(state.buyers)
      const result = await runRound(stack, state, { round, plan, options, random })
      const snapshot = await takeSnapshot(stack, [...state.offers.values()]).catch(() => undefined)
      if (snapshot) {
        const verdict = checkInvariants({
          offers: [...state.offers.values()],
          record: state.record,
          snapshot,
          emptyRedis: state.emptyRedis,
        })
        for (const anomaly of verdict.anomalies)
          if (!seen.has(anomaly.key)) {
            seen.add(anomaly.key)
            result.anomalies.push({ ...anomaly, round })
          }
        result.lostWithRedis = verdict.lostWithRedis.length - lost.length
        lost = verdict.lostWithRedis
        excused = verdict.missingEmailsExcused
      } else
        result.anomalies.push({
          round,
          invariant: 'quiet',
          key: `snapshot:${round}`,
          message: `round ${round}: MySQL, Redis or the sandbox could not be read after the round`,
          evidence: null,
        })
      rounds.push(result)
      log(roundLine(result))
      for (const anomaly of result.anomalies) log(`  ! ${anomaly.invariant}: ${anomaly.message}`)
    }
    const stored = await storedCount(stack, state.record.placed)
    const last = await takeSnapshot(stack, [...state.offers.values()]).catch(() => undefined)
    return {
      options,
      runDir,
      startedAt,
      durationMs: Date.now() - startedAt,
      rounds,
      anomalies: rounds.flatMap((r) => r.anomalies),
      accepted: state.record.placed.size,
      stored,
      lostWithRedis: lost,
      missingEmailsExcused: excused,
      systemLost: await systemLostLines(stack.logDir),
      final: last && finalState(last),
    }
  } finally {
    await stack.stop()
  }
}

type CampaignState = {
  buyers: Buyer[]
  offers: Map<string, Offer>
  record: ReturnType<typeof newLoadRecord>
  emptyRedis: EmptyRedisWindow[]
}

async function prepare(stack: Stack): Promise<CampaignState> {
  const product = await createListProduct(stack)
  return {
    buyers: await createBuyerPool(stack, buyersCount),
    offers: new Map([[product.id, product]]),
    record: newLoadRecord(),
    emptyRedis: [],
  }
}

async function runRound(
  stack: Stack,
  state: CampaignState,
  input: {
    round: number
    plan: FaultPlan
    options: CampaignOptions
    random: ReturnType<typeof prng>
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
  const quiet = await waitForQuiet(stack, [...state.offers.values()], expected, bounds.quietMs)
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
  if (!stack.redis.process.running()) await stack.redis.process.start()
}

async function storedCount(stack: Stack, placed: Map<string, Placed>): Promise<number> {
  const ids = [...placed.keys()]
  let stored = 0
  for (let i = 0; i < ids.length; i += 1000) {
    const [rows] = await stack.db.pool.query('SELECT COUNT(*) AS n FROM orders WHERE id IN (?)', [
      ids.slice(i, i + 1000),
    ])
    stored += Number((rows as { n: number }[])[0]?.n ?? 0)
  }
  return stored
}

function finalState(snapshot: Snapshot): FinalState {
  const tally = (values: string[]) => {
    const counts: Record<string, number> = {}
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1
    return counts
  }
  return {
    orders: tally(snapshot.orders.map((order) => order.status)),
    charges: tally(
      snapshot.charges.map((c) =>
        c.refundedAt ? 'refunded' : c.status === 'succeeded' ? 'kept' : c.status,
      ),
    ),
    emails: snapshot.emails.length,
  }
}

function roundLine(r: RoundResult): string {
  const seconds = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)
  return (
    `round ${r.round}: ${describeFault(r.plan)}; accepted ${r.accepted}` +
    `${r.lostWithRedis ? `, lost with Redis ${r.lostWithRedis}` : ''}; ` +
    `first order after ${seconds(r.recoveryMs)}, quiet after ${seconds(r.quietMs)}; ` +
    `${r.anomalies.length} anomalies`
  )
}
