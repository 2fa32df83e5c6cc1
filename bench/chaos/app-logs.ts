import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * What the apps' own logs say that the campaign checks: the lines about
 * orders lost with Redis's data with the total of the counts the recovery
 * lines give ("N orders accepted here checked against MySQL, K lost"), to
 * set beside the campaign's own count; and any NOGROUP error (a consumer
 * must never loop on a group that Redis lost).
 *
 * @example
 * await readAppLogs('.data/chaos/run/logs') // { lost: { lines: [...], total: 15 }, nogroup: [] }
 */
export async function readAppLogs(
  logDir: string,
): Promise<{ lost: { lines: string[]; total: number }; nogroup: string[] }> {
  const lost = { lines: [] as string[], total: 0 }
  const nogroup: string[] = []
  for (const file of readdirSync(logDir).filter((name) => name.endsWith('.log'))) {
    const text = await Bun.file(join(logDir, file)).text()
    for (const line of text.split('\n')) {
      if (line.includes('NOGROUP')) nogroup.push(`${file}: ${line.slice(0, 300)}`)
      if (!/\blost\b/i.test(line) || !/\border/i.test(line)) continue
      lost.lines.push(`${file}: ${line.slice(0, 300)}`)
      lost.total += Number(/checked against MySQL, (\d+) lost/.exec(line)?.[1] ?? 0)
    }
  }
  return { lost, nogroup }
}
