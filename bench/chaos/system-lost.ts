import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Lines the apps logged about orders lost with Redis's data, the system's
 * own count to set beside the campaign's. Any line that speaks of lost
 * orders counts, whatever its exact wording.
 *
 * @example
 * await systemLostLines('.data/chaos/run/logs') // ['[recovery] 3 orders lost with Redis ...']
 */
export async function systemLostLines(logDir: string): Promise<string[]> {
  const lines: string[] = []
  for (const file of readdirSync(logDir).filter((name) => name.endsWith('.log'))) {
    const text = await Bun.file(join(logDir, file)).text()
    for (const line of text.split('\n'))
      if (/\blost\b/i.test(line) && /\border/i.test(line))
        lines.push(`${file}: ${line.slice(0, 300)}`)
  }
  return lines
}
