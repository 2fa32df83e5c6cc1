import { readFileSync } from 'node:fs'

// Linux counts CPU time in clock ticks of 1/100 s on every common platform (USER_HZ).
const MS_PER_TICK = 10

/**
 * CPU time a process has used so far, user and system, every thread counted,
 * in milliseconds (to 10 ms). Reads /proc, so Linux only.
 *
 * @example
 * const before = cpuMs(checkout.pid)
 * // ... requests ...
 * cpuMs(checkout.pid) - before // what they cost checkout
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK
}
