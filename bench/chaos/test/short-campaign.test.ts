import { expect, test } from 'bun:test'
import { runCampaign } from '../campaign.ts'
import { parseOptions } from '../options.ts'
import { formatReport, writeReport } from '../report.ts'

// The short campaign CI runs: its own Redis and MariaDB (never the shared ones),
// every app, a few rounds each with one seeded fault. CHAOS_SEED replays a failure.
test(
  'a short fault campaign breaks no invariant',
  async () => {
    const options = parseOptions(['--short'], Bun.env)
    const result = await runCampaign(options, (line) => console.log(`[chaos] ${line}`))
    await writeReport(result)
    console.log(formatReport(result))
    expect(result.anomalies.map((a) => `round ${a.round} ${a.invariant}: ${a.message}`)).toEqual([])
    expect(result.rounds.length).toBe(options.rounds)
  },
  { timeout: 300_000 },
)
