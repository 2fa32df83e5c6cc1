import type { Verdict } from './correctness.ts'
import type { LoadResult } from './load.ts'
import type { Machine } from './machine.ts'
import type { BenchOptions } from './options.ts'
import type { ScenarioResult } from './scenario.ts'
import { type Headline, headlineLine, targets } from './summary.ts'

/**
 * Everything report.md is written from.
 *
 * @example
 * await Bun.write(`${dir}/report.md`, report({ startedAt, command, options, machine, results, headline }))
 */
export type ReportInput = {
  startedAt: Date
  command: string
  options: BenchOptions
  machine: Machine
  results: readonly ScenarioResult[]
  headline: Headline
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => n.toFixed(2)
const fact = (n: number) => (Number.isInteger(n) ? int(n) : n.toFixed(2))
const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n')

/**
 * The Markdown report: machine, headline and targets, chart, per-scenario
 * figures, memory and CPU, the correctness block, and the commands run.
 *
 * @example
 * report(input).startsWith('# Benchmark') // true
 */
export function report(input: ReportInput): string {
  const { options, machine, results, headline } = input
  const loaded = results.filter((r): r is ScenarioResult & { load: LoadResult } => !!r.load)
  const judged = results.filter((r): r is ScenarioResult & { verdict: Verdict } => !!r.verdict)
  return [
    `# Benchmark run ${input.startedAt.toISOString()}`,
    `\`${input.command}\`: ${options.seconds} s per load after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} connections, ${options.threads} driver threads; load driver **wrk** ` +
      `(${machine.wrk}) on the same machine; ${ohaNote(machine, results)}.`,
    '## Machine',
    table(
      ['', ''],
      [
        ['CPU', `${machine.cores} × ${machine.cpu}`],
        ['memory', `${machine.memoryGiB} GiB`],
        ['kernel', machine.kernel],
        ['Bun', machine.bun],
        ['Redis (shared)', machine.redis],
        ['redis-server (private, durability)', machine.redisServerBinary],
        ['MySQL', machine.mysql],
      ],
    ),
    '## Headline',
    `\`\`\`\n${headlineLine(headline)}\n\`\`\``,
    table(
      ['figure', 'target', 'this run', 'met'],
      targets(headline, results).map((t) => [
        t.what,
        t.goal,
        t.measured,
        t.met === null ? 'n/a' : t.met ? 'yes' : '**no**',
      ]),
    ),
    '![requests/s and p99 per scenario](chart.svg)',
    '## Scenarios',
    results
      .map(
        (r) =>
          `- **${r.name}**: ${r.summary}${r.error ? ` — **failed**: ${r.error.split('\n')[0]}` : ''}`,
      )
      .join('\n'),
    table(
      [
        'scenario',
        'driver',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'answers',
        'no answer',
      ],
      loaded.map(({ name, load }) => [
        name,
        load.driver,
        int(load.rps),
        ms(load.latencyMs.p50),
        ms(load.latencyMs.p90),
        ms(load.latencyMs.p99),
        ms(load.latencyMs.max),
        Object.entries(load.statuses)
          .map(([s, n]) => `${s}: ${int(n)}`)
          .join(', '),
        Object.entries(load.errors)
          .map(([s, n]) => `${s}: ${int(n)}`)
          .join(', ') || '0',
      ]),
    ),
    ...results
      .filter((r) => Object.keys(r.facts).length)
      .map(
        (r) =>
          `**${r.name}**: ${Object.entries(r.facts)
            .map(([k, v]) => `${k} ${typeof v === 'number' ? fact(v) : v}`)
            .join('; ')}`,
      ),
    '## Memory and CPU',
    'Peak RSS over the scenario (processes started by the bench: their own high-water mark; ' +
      'shared servers: sampled every 200 ms) and CPU over the measured run, in % of one core. ' +
      "CPU µs per request is that CPU divided by the requests answered: where a request's cost " +
      'goes, and steadier from run to run than req/s on a busy machine.',
    table(
      ['scenario', 'process', 'peak RSS MB', 'CPU %', 'CPU µs per request'],
      results.flatMap((r) =>
        r.processes.map((p) => [
          r.name,
          p.name,
          int(p.peakRssMb),
          int(p.cpuPercent),
          r.load?.rps ? int((p.cpuPercent * 10_000) / r.load.rps) : '',
        ]),
      ),
    ),
    '## Correctness',
    `Oversell ${headline.oversell}, orders lost ${headline.lost}, double charges ${headline.doubleCharges}, ` +
      `charges kept for orders that did not keep their units ${headline.keptCharges}: ` +
      `${headline.correct ? '**every check passed**' : '**checks failed** (below)'}. ` +
      'Units sold = initial stock − stock left; every unit sold must have exactly one order ' +
      '(an `order.placed` entry, or a row for the lock baseline); 202s counted may fall short of it by ' +
      "the answers still in flight at wrk's deadline (cut off), never exceed it. " +
      'Kept charges: orders failed, cancelled or returned in MySQL whose charge the sandbox still ' +
      'holds (succeeded, not refunded); a charge still processing once the orders settled is a fault too.',
    table(
      [
        'scenario',
        'units sold',
        'orders',
        '202s counted',
        'cut off',
        'lowest stock',
        'in MySQL',
        'charges / orders charged',
        'oversell',
        'lost',
        'double charges',
        'kept charges',
        'verdict',
      ],
      judged.map(({ name, verdict: v }) => [
        name,
        int(v.sold),
        int(v.tally.orders),
        int(v.tally.accepted),
        int(v.cutOff),
        v.tally.lowestStock === undefined ? 'not sampled' : int(v.tally.lowestStock),
        v.tally.persisted === undefined ? 'not drained' : int(v.tally.persisted),
        v.tally.payments
          ? `${int(v.tally.payments.charges)} / ${int(v.tally.payments.distinctOrders)}`
          : '',
        v.oversold,
        v.lost,
        v.doubleCharges,
        keptCell(v),
        v.ok ? 'ok' : `**${v.problems.join('; ')}**`,
      ]),
    ),
    '## Commands',
    'Load commands as run (the token files are deleted after the run):',
    `\`\`\`sh\n${results.flatMap((r) => r.commands).join('\n')}\n\`\`\``,
    '',
  ].join('\n\n')
}

/** Kept charges, with any charge left processing; blank where nothing was charged. */
function keptCell(v: Verdict): string | number {
  if (v.tally.keptCharges === undefined) return ''
  const processing = v.tally.processingCharges ?? 0
  return processing > 0 ? `${v.keptCharges} (${processing} processing)` : v.keptCharges
}

function ohaNote(machine: Machine, results: readonly ScenarioResult[]): string {
  if (machine.oha === 'not installed') return 'oha not installed'
  if (!results.some((r) => r.load?.driver === 'oha')) return `oha (${machine.oha}) not used`
  return `oha (${machine.oha}) cross-checks the scenarios it can drive (rows marked oha)`
}
