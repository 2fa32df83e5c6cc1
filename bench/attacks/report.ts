import type { AnswerCounts } from './attacks.ts'
import type { ProbeSummary } from './probe.ts'

/** Everything measured in one attack's window. */
export type WindowReport = {
  attack: string
  answers: AnswerCounts
  probes: ProbeSummary[]
  /** Per process, in % of one core over the window. */
  cpuPercent: Record<string, number>
  /** Breaker transitions the gateway logged in the window, as `upstream state`. */
  breakers: string[]
}

const ms = (value: number) => value.toFixed(1).padStart(8)

/**
 * Prints one window as a block of plain text: the attack's answers, the
 * gateway's breaker transitions, CPU per process, and one line per probe.
 *
 * @example
 * printWindow(report)
 */
export function printWindow(report: WindowReport): void {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([key, count]) => `${key} ×${count}`)
      .join(', ') || 'none'
  console.log(`\n== ${report.attack}`)
  console.log(`attack's answers: ${counts(report.answers)}`)
  console.log(`gateway breakers: ${report.breakers.join(', ') || 'no transition'}`)
  console.log(
    `CPU, % of one core: ${Object.entries(report.cpuPercent)
      .map(([name, percent]) => `${name} ${percent}`)
      .join(', ')}`,
  )
  console.log(`${'probe'.padEnd(16)}${'sent'.padStart(6)}  p50 ms  p99 ms  max ms  not 200`)
  for (const probe of report.probes)
    console.log(
      `${probe.name.padEnd(16)}${String(probe.sent).padStart(6)}${ms(probe.p50Ms)}${ms(probe.p99Ms)}${ms(probe.maxMs)}  ${counts(probe.failures)}`,
    )
}
