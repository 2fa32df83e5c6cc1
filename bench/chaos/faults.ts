import type { Prng } from './prng.ts'
import {
  calmDeclineRate,
  type KillableApp,
  killableApps,
  paymentTimeoutMs,
  type Stack,
} from './stack.ts'

export const faultKinds = [
  'kill-process',
  'redis-kill-aof',
  'redis-pause',
  'redis-empty',
  'redis-empty-under-mysql-lock',
  'mysql-read-lock',
  'worker-kills-under-mysql-lock',
  'payment-down',
  'payment-slow',
  'payment-declines',
] as const
export type FaultKind = (typeof faultKinds)[number]

/**
 * The faults one at a time, as the short campaign (CI) draws them; the full
 * campaign adds the two that strike while MySQL is locked, Redis emptied or
 * a worker killed under the lock.
 */
export const singleFaults = faultKinds.filter(
  (kind) => kind !== 'redis-empty-under-mysql-lock' && kind !== 'worker-kills-under-mysql-lock',
)

/**
 * One round's fault, decided before the campaign starts from its seed:
 * what, against which process, how long into the round, and for how long
 * (for a kill: how long the process stays dead).
 *
 * @example
 * const plan: FaultPlan = { kind: 'kill-process', target: 'worker-1', startAfterMs: 3000, durationMs: 1200 }
 */
export type FaultPlan = {
  kind: FaultKind
  target?: KillableApp
  /** On a cluster, the master (0-based, in start order) a Redis fault strikes. */
  redisNode?: number
  startAfterMs: number
  durationMs: number
}

type Range = readonly [number, number]
const timings: Record<'short' | 'long', { startAfter: Range } & Record<FaultKind, Range>> = {
  short: {
    startAfter: [1_000, 3_000],
    'kill-process': [500, 3_000],
    'redis-kill-aof': [200, 2_000],
    'redis-pause': [2_000, 5_000],
    'redis-empty': [200, 2_000],
    'redis-empty-under-mysql-lock': [3_000, 8_000],
    'mysql-read-lock': [4_000, 8_000],
    'worker-kills-under-mysql-lock': [4_000, 8_000],
    'payment-down': [3_000, 6_000],
    'payment-slow': [3_000, 6_000],
    'payment-declines': [3_000, 6_000],
  },
  long: {
    startAfter: [2_000, 8_000],
    'kill-process': [500, 8_000],
    'redis-kill-aof': [200, 3_000],
    'redis-pause': [2_000, 8_000],
    'redis-empty': [200, 3_000],
    'redis-empty-under-mysql-lock': [10_000, 30_000],
    'mysql-read-lock': [20_000, 60_000],
    'worker-kills-under-mysql-lock': [20_000, 60_000],
    'payment-down': [5_000, 15_000],
    'payment-slow': [5_000, 15_000],
    'payment-declines': [5_000, 15_000],
  },
}

/** The faults that strike Redis: on a cluster, each hits one master. */
export const redisFaults: readonly FaultKind[] = [
  'redis-kill-aof',
  'redis-pause',
  'redis-empty',
  'redis-empty-under-mysql-lock',
]

/**
 * What the rounds draw from: these kinds instead of the default deck, and
 * how many Redis servers a Redis fault may strike (a cluster's masters).
 */
export type FaultDraw = { kinds?: readonly FaultKind[]; redisNodes?: number }

/**
 * Every round's fault. Kinds come in seeded shuffles of all of them (of the
 * single faults for `short`, or of `draw.kinds`), so each run of ten rounds
 * from the start (eight for `short`) tries every kind once, in an order the
 * seed decides. With several Redis nodes, each Redis fault's master is drawn
 * from a PRNG of its own, so the kinds and timings of a seed stay the same as
 * on one server.
 *
 * @example
 * planFaults(prng('42'), 4, true) // four plans, the same for seed 42 on every run
 * planFaults(prng('42'), 3, true, { kinds: ['redis-kill-aof'], redisNodes: 3 })
 */
export function planFaults(
  random: Prng,
  rounds: number,
  short: boolean,
  draw: FaultDraw = {},
): FaultPlan[] {
  const table = timings[short ? 'short' : 'long']
  const plans: FaultPlan[] = []
  const nodes = random.fork('redis-nodes')
  const redisNodes = draw.redisNodes ?? 1
  let deck: FaultKind[] = []
  for (let round = 0; round < rounds; round++) {
    if (deck.length === 0) deck = random.shuffle(draw.kinds ?? (short ? singleFaults : faultKinds))
    const kind = deck.shift() as FaultKind
    const [minStart, maxStart] = table.startAfter
    const [minLength, maxLength] = table[kind]
    plans.push({
      kind,
      target:
        kind === 'kill-process'
          ? random.pick(killableApps)
          : kind === 'worker-kills-under-mysql-lock'
            ? random.pick(['worker-1', 'worker-2'] as const)
            : undefined,
      startAfterMs: random.int(minStart, maxStart),
      durationMs: random.int(minLength, maxLength),
      ...(redisNodes > 1 && redisFaults.includes(kind)
        ? { redisNode: nodes.int(0, redisNodes - 1) }
        : {}),
    })
  }
  return plans
}

/** When a fault began and ended (the process back and ready, the lock released...). */
export type FaultTimes = { startedAt: number; endedAt: number }

/**
 * Applies a fault, holds it for its duration, and ends it: a killed process
 * is started again the same way, a killed Redis reloads its AOF (or starts
 * with no files for `redis-empty`), a paused one is continued, the read lock
 * is released, the sandbox's settings are put back.
 *
 * @example
 * const times = await runFault(stack, plan)
 */
export async function runFault(stack: Stack, plan: FaultPlan): Promise<FaultTimes> {
  const startedAt = Date.now()
  // The fault's own timing: how long the process stays dead, the lock held (the experiment).
  const hold = () => Bun.sleep(plan.durationMs)
  switch (plan.kind) {
    case 'kill-process': {
      const app = stack.apps[plan.target as KillableApp]
      await app.kill9()
      await hold()
      await app.start()
      break
    }
    case 'redis-kill-aof':
    case 'redis-empty': {
      const node = plan.redisNode ?? 0
      await stack.redis.kill9(node)
      if (plan.kind === 'redis-empty') stack.redis.wipe(node)
      await hold()
      await stack.redis.start(node)
      break
    }
    case 'redis-pause': {
      const node = plan.redisNode ?? 0
      stack.redis.pause(node)
      await hold().finally(() => stack.redis.resume(node))
      break
    }
    case 'mysql-read-lock': {
      const unlock = await stack.mysql.readLock()
      await hold().finally(unlock)
      break
    }
    case 'redis-empty-under-mysql-lock':
      await emptyRedisUnderLock(stack, plan)
      break
    case 'worker-kills-under-mysql-lock':
      await killsUnderLock(stack, plan)
      break
    case 'payment-down':
      await control(stack, { outage: true })
      await hold().finally(() => control(stack, { outage: false }))
      break
    case 'payment-slow':
      await control(stack, { latencyMs: paymentTimeoutMs * 3 })
      await hold().finally(() => control(stack, { latencyMs: 0 }))
      break
    case 'payment-declines':
      await control(stack, { declineRate: 1 })
      await hold().finally(() => control(stack, { declineRate: calmDeclineRate }))
      break
  }
  return { startedAt, endedAt: Date.now() }
}

/**
 * @example
 * describeFault({ kind: 'kill-process', target: 'worker-1', startAfterMs: 3000, durationMs: 1200 })
 * // 'kill-process worker-1 at +3.0 s for 1.2 s'
 */
export function describeFault(plan: FaultPlan): string {
  const target = plan.target
    ? ` ${plan.target}`
    : plan.redisNode !== undefined
      ? ` master ${plan.redisNode}`
      : ''
  return `${plan.kind}${target} at +${(plan.startAfterMs / 1000).toFixed(1)} s for ${(plan.durationMs / 1000).toFixed(1)} s`
}

/**
 * Orders pile up in the orders stream while MySQL takes no writes, then
 * Redis comes back empty: those orders exist nowhere but in the lost data
 * (and in the order-writer's batch blocked on the lock), the case the
 * recovery from MySQL and the lost-order count are for.
 */
async function emptyRedisUnderLock(stack: Stack, plan: FaultPlan): Promise<void> {
  const unlock = await stack.mysql.readLock()
  try {
    const node = plan.redisNode ?? 0
    await Bun.sleep(plan.durationMs / 2)
    await stack.redis.kill9(node)
    stack.redis.wipe(node)
    await Bun.sleep(plan.durationMs / 10)
    await stack.redis.start(node)
    await Bun.sleep(plan.durationMs / 2 - plan.durationMs / 10)
  } finally {
    await unlock()
  }
}

/** Kills under a read lock: each kill -9 lands while the worker's batches wait on MySQL. */
const killsPerLock = 3

/**
 * MySQL takes no writes while one worker is killed three times (and started
 * again each time): whatever it had read and could not store must be
 * replayed, never dead-lettered. Its restarts are not awaited under the
 * lock (a start that needs MySQL would hold the lock open).
 */
async function killsUnderLock(stack: Stack, plan: FaultPlan): Promise<void> {
  const worker = stack.apps[plan.target as KillableApp]
  const unlock = await stack.mysql.readLock()
  const until = Date.now() + plan.durationMs
  const starts: Promise<void>[] = []
  try {
    for (let kill = 0; kill < killsPerLock; kill++) {
      await Bun.sleep(plan.durationMs / (killsPerLock + 1))
      await worker.kill9()
      // A start killed before it was ready rejects; the next start replaces it.
      starts.push(worker.start().catch(() => {}))
    }
    await Bun.sleep(Math.max(0, until - Date.now()))
  } finally {
    await unlock()
  }
  await Promise.all(starts)
  if (!worker.running()) await worker.start()
}

async function control(stack: Stack, settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.sandboxUrl}/control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  })
  if (!res.ok) throw new Error(`sandbox /control answered ${res.status}: ${await res.text()}`)
}
