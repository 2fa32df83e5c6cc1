import { join } from 'node:path'
import type { CampaignResult } from './campaign.ts'
import { describeFault, faultKinds } from './faults.ts'
import { invariantNames } from './invariants.ts'

/**
 * The campaign's report as text: the seed, faults by kind, orders,
 * anomalies by invariant with their evidence, and recovery times per fault
 * kind.
 *
 * @example
 * console.log(formatReport(result))
 */
export function formatReport(result: CampaignResult): string {
  const { options } = result
  const lines: string[] = []
  const flags = [
    `--rounds=${options.rounds}`,
    ...(options.short ? ['--short'] : []),
    ...(options.redis === 'cluster' ? ['--redis=cluster'] : []),
    ...(options.faults ? [`--faults=${options.faults.join(',')}`] : []),
  ]
  const replay = `CHAOS_SEED=${options.seed} bun run chaos ${flags.join(' ')}`
  lines.push(`Fault campaign, seed ${options.seed} (replay: ${replay})`)
  lines.push(
    `rounds: ${result.rounds.length} in ${(result.durationMs / 60_000).toFixed(1)} min; run folder ${result.runDir}`,
  )

  lines.push('', 'faults by kind:')
  for (const kind of faultKinds) {
    const rounds = result.rounds.filter((r) => r.plan.kind === kind)
    if (rounds.length === 0) continue
    const targets = rounds
      .map(
        (r) =>
          r.plan.target ?? (r.plan.redisNode === undefined ? '' : `master ${r.plan.redisNode}`),
      )
      .filter(Boolean)
    lines.push(`  ${kind}: ${rounds.length}${targets.length ? ` (${targets.join(', ')})` : ''}`)
  }

  lines.push('', 'orders:')
  lines.push(`  accepted (202): ${result.accepted}`)
  lines.push(`  stored in MySQL: ${result.stored}`)
  lines.push(`  lost with Redis's data (empty-restart rounds): ${result.lostWithRedis.length}`)
  lines.push(
    `  lost orders the apps counted in their logs: ${result.systemLost.total} (${result.systemLost.lines.length} lines)`,
  )
  for (const line of result.systemLost.lines.filter((l) => !/, 0 lost/.test(l)).slice(0, 5))
    lines.push(`    ${line}`)
  if (result.missingEmailsExcused)
    lines.push(
      `  e-mails missing for orders Redis may have lost events of: ${result.missingEmailsExcused}`,
    )

  if (result.final) {
    const list = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')
    lines.push(`  in MySQL at the end, by status: ${list(result.final.orders)}`)
    lines.push(`  the sandbox's charges at the end: ${list(result.final.charges)}`)
    lines.push(`  e-mails the sandbox received: ${result.final.emails}`)
    const { split } = result.final
    if (split.sales)
      lines.push(
        `  split sales: ${split.sales} of ${split.buckets} buckets; their orders by status: ${list(split.orders) || 'none'}`,
      )
  }

  lines.push('', "the load's answers (all rounds):")
  const answers: Record<string, Record<string, number>> = {}
  for (const round of result.rounds)
    for (const [action, statuses] of Object.entries(round.answers))
      for (const [status, count] of Object.entries(statuses)) {
        const totals = answers[action] ?? {}
        answers[action] = totals
        totals[status] = (totals[status] ?? 0) + count
      }
  for (const [action, statuses] of Object.entries(answers))
    lines.push(
      `  ${action}: ${Object.entries(statuses)
        .map(([status, count]) => `${status} ${count}`)
        .join(', ')}`,
    )

  lines.push('', `anomalies: ${result.anomalies.length}`)
  for (const name of invariantNames) {
    const count = result.anomalies.filter((a) => a.invariant === name).length
    lines.push(`  ${name}: ${count}`)
  }

  lines.push('', 'recovery per fault kind (from the fault ended: first order accepted / quiet):')
  for (const kind of faultKinds) {
    const rounds = result.rounds.filter((r) => r.plan.kind === kind)
    if (rounds.length === 0) continue
    const recovery = spread(rounds.map((r) => r.recoveryMs))
    const quiet = spread(rounds.map((r) => r.quietMs))
    lines.push(`  ${kind}: first order ${recovery}; quiet ${quiet}`)
  }

  lines.push('', 'rounds:')
  for (const r of result.rounds) {
    const seconds = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)
    lines.push(
      `  ${r.round}. ${describeFault(r.plan)}: accepted ${r.accepted}, lost with Redis ${r.lostWithRedis}, first order ${seconds(r.recoveryMs)}, quiet ${seconds(r.quietMs)}, anomalies ${r.anomalies.length}`,
    )
  }

  if (result.anomalies.length) {
    lines.push('', 'anomalies (each with the round it first appeared in, seed above):')
    for (const a of result.anomalies) {
      lines.push(`  [round ${a.round}, ${a.invariant}] ${a.message}`)
      lines.push(`    evidence: ${JSON.stringify(a.evidence).slice(0, 1_500)}`)
    }
  }
  return lines.join('\n')
}

/**
 * Writes the report as text and as JSON into the run folder; returns the text file's path.
 *
 * @example
 * const path = await writeReport(result)
 */
export async function writeReport(result: CampaignResult): Promise<string> {
  const path = join(result.runDir, 'report.txt')
  await Bun.write(path, `${formatReport(result)}\n`)
  await Bun.write(join(result.runDir, 'report.json'), JSON.stringify(result, null, 2))
  return path
}

/** 'avg 1.2 s, max 3.4 s (n of m)' over the rounds that got there. */
function spread(values: (number | undefined)[]): string {
  const got = values.filter((v): v is number => v !== undefined)
  if (got.length === 0) return `never (0 of ${values.length})`
  const avg = got.reduce((a, b) => a + b, 0) / got.length
  const max = Math.max(...got)
  const of = got.length === values.length ? '' : ` (${got.length} of ${values.length})`
  return `avg ${(avg / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s${of}`
}
