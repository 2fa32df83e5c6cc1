import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * What the apps themselves logged about orders lost with Redis's data:
 * every line that speaks of lost orders, and the total of the counts the
 * recovery lines give ("N orders accepted here checked against MySQL, K
 * lost"), to set beside the campaign's own count.
 *
 * @example
 * await systemLost('.data/chaos/run/logs') // { lines: ['checkout-1.log: [checkout] partition 0 ...'], total: 15 }
 */
export async function systemLost(logDir: string): Promise<{ lines: string[]; total: number }> {
  const lines: string[] = []
  let total = 0
  for (const file of readdirSync(logDir).filter((name) => name.endsWith('.log'))) {
    const text = await Bun.file(join(logDir, file)).text()
    for (const line of text.split('\n')) {
      if (!/\blost\b/i.test(line) || !/\border/i.test(line)) continue
      lines.push(`${file}: ${line.slice(0, 300)}`)
      total += Number(/checked against MySQL, (\d+) lost/.exec(line)?.[1] ?? 0)
    }
  }
  return { lines, total }
}
