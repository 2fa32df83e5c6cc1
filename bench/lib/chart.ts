import type { ScenarioResult } from './scenario.ts'

const ROW = 26
const LABEL = 190
const BAR = 300
const GAP = 110
const TOP = 46

/**
 * A hand-written SVG with two bar charts side by side: requests/s and p99
 * latency per scenario (those with a load). Throughput is linear, so bar
 * lengths show the ratios; p99 is on a log scale, because the lock baseline's
 * hundreds of milliseconds would otherwise flatten every other bar.
 *
 * @example
 * await Bun.write(`${dir}/chart.svg`, chart(results))
 */
export function chart(results: readonly ScenarioResult[]): string {
  const rows = results.flatMap((r) => (r.load ? [{ name: r.name, load: r.load }] : []))
  const maxRps = Math.max(1, ...rows.map((r) => r.load.rps))
  const rpsBar = (rps: number) => (rps / maxRps) * BAR
  const topP99 = Math.log10(1 + Math.max(1, ...rows.map((r) => r.load.latencyMs.p99)))
  const p99Bar = (ms: number) => (Math.log10(1 + Math.max(0, ms)) / topP99) * BAR
  const width = LABEL + 2 * BAR + GAP + 80
  const height = TOP + rows.length * ROW + 20
  const p99X = LABEL + BAR + GAP
  const bars = rows.map(({ name, load }, i) => {
    const y = TOP + i * ROW
    const rpsWidth = rpsBar(load.rps)
    const p99Width = p99Bar(load.latencyMs.p99)
    return [
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${escapeXml(name)}</text>`,
      `<rect x="${LABEL}" y="${y + 3}" width="${rpsWidth.toFixed(1)}" height="${ROW - 8}" fill="#3b82f6"/>`,
      `<text x="${(LABEL + rpsWidth + 4).toFixed(1)}" y="${y + 15}">${Math.round(load.rps).toLocaleString('en-US')}</text>`,
      `<rect x="${p99X}" y="${y + 3}" width="${p99Width.toFixed(1)}" height="${ROW - 8}" fill="#f59e0b"/>`,
      `<text x="${(p99X + p99Width + 4).toFixed(1)}" y="${y + 15}">${load.latencyMs.p99.toFixed(2)} ms</text>`,
    ].join('\n  ')
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="${LABEL}" y="24" font-size="14" font-weight="bold">requests/s</text>
  <text x="${p99X}" y="24" font-size="14" font-weight="bold">p99 latency (log scale)</text>
  <line x1="${LABEL}" y1="${TOP - 4}" x2="${LABEL}" y2="${height - 16}" stroke="#999"/>
  <line x1="${p99X}" y1="${TOP - 4}" x2="${p99X}" y2="${height - 16}" stroke="#999"/>
  ${bars.join('\n  ')}
</svg>
`
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
