import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { readAppLogs } from './app-logs.ts'
import { clusterMasters } from './faultable-redis.ts'
import { describeFault, planFaults } from './faults.ts'
import { checkInvariants } from './invariants.ts'
import { newLoadRecord, type Placed } from './load.ts'
import {
  bucketsOf,
  createBuyerPool,
  createListProduct,
  type Offer,
  refreshTokens,
} from './offers.ts'
import type { CampaignOptions } from './options.ts'
import { prng } from './prng.ts'
import { type CampaignState, type Found, type RoundResult, runRound } from './round.ts'
import { type Snapshot, takeSnapshot, takeSteadySnapshot } from './snapshot.ts'
import { type Stack, startStack } from './stack.ts'

export type { Found, RoundResult } from './round.ts'

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
  /** What the apps logged about orders lost with Redis: their lines, and the lost orders they counted. */
  systemLost: { lines: string[]; total: number }
  /** What the checks looked at after the last round, to show they had something to check. */
  final?: FinalState
}

/** Orders by status, charges by fate and e-mails sent, at the end. */
export type FinalState = {
  orders: Record<string, number>
  charges: Record<string, number>
  emails: number
  /** The split sales (none with one partition), and their orders by status. */
  split: { sales: number; buckets: number; orders: Record<string, number> }
}

const buyersCount = 150

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
    `chaos: seed ${options.seed} (replay with CHAOS_SEED=${options.seed}), ${options.rounds} rounds${options.short ? ', short' : ''}, ${options.redis === 'cluster' ? `a ${clusterMasters}-master Redis Cluster` : 'one Redis'}, run folder ${runDir}`,
  )
  const random = prng(options.seed)
  const plans = planFaults(random.fork('faults'), options.rounds, options.short, {
    kinds: options.faults,
    redisNodes: options.redis === 'cluster' ? clusterMasters : 1,
  })
  const stack = await startStack({ runDir, seed: options.seed, redis: options.redis, log })
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
      const snapshot = await takeSteadySnapshot(stack, [...state.offers.values()])
      if (snapshot) {
        const verdict = checkInvariants({
          offers: [...state.offers.values()],
          record: state.record,
          snapshot,
          emptyRedis: state.emptyRedis,
        })
        for (const anomaly of verdict.anomalies)
          if (anomaly.key.startsWith('unsettled:')) state.stuckOrders.add(anomaly.key.slice(10))
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
    const appLogs = await readAppLogs(stack.logDir)
    const logged = appLogs.lost
    // Checkout counts the orders it accepted that a recovery finds missing from MySQL:
    // fewer than the campaign saw lost means some went uncounted.
    if (logged.total < lost.length)
      rounds.at(-1)?.anomalies.push({
        round: rounds.length,
        invariant: 'stored',
        key: 'lost-count',
        message: `the apps counted ${logged.total} orders lost with Redis, the campaign ${lost.length}`,
        evidence: { logged: logged.lines.slice(0, 20), lost: lost.slice(0, 20) },
      })
    if (appLogs.nogroup.length)
      rounds.at(-1)?.anomalies.push({
        round: rounds.length,
        invariant: 'recovery',
        key: 'nogroup',
        message: `${appLogs.nogroup.length} NOGROUP errors in the apps' logs (a consumer group Redis lost, not recreated)`,
        evidence: appLogs.nogroup.slice(0, 10),
      })
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
      systemLost: logged,
      final: last && finalState(last, [...state.offers.values()]),
    }
  } finally {
    await stack.stop()
  }
}

async function prepare(stack: Stack): Promise<CampaignState> {
  const product = await createListProduct(stack)
  return {
    buyers: await createBuyerPool(stack, buyersCount),
    offers: new Map([[product.id, product]]),
    record: newLoadRecord(),
    emptyRedis: [],
    stuckOrders: new Set(),
  }
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

function finalState(snapshot: Snapshot, offers: readonly Offer[]): FinalState {
  const tally = (values: string[]) => {
    const counts: Record<string, number> = {}
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1
    return counts
  }
  const split = new Set(offers.filter((offer) => bucketsOf(offer) > 1).map((offer) => offer.id))
  return {
    orders: tally(snapshot.orders.map((order) => order.status)),
    charges: tally(
      snapshot.charges.map((c) =>
        c.refundedAt ? 'refunded' : c.status === 'succeeded' ? 'kept' : c.status,
      ),
    ),
    emails: snapshot.emails.length,
    split: {
      sales: split.size,
      buckets: Math.max(0, ...offers.map(bucketsOf).filter((n) => n > 1)),
      orders: tally(
        snapshot.orders.filter((order) => split.has(order.offerId)).map((order) => order.status),
      ),
    },
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
