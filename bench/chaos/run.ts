/**
 * `bun run chaos [--rounds=N] [--seed=S] [--short]`: the fault campaign of
 * issue 15. Starts a stack of its own (private Redis and MariaDB, every app,
 * two checkouts, two workers, the sandbox), and in each round drives buyers
 * through the gateway while one fault strikes, waits for quiet, and checks
 * every invariant. Prints the seed first and the report last; exits 1 on any
 * anomaly. CHAOS_SEED replays a run.
 */
import { runCampaign } from './campaign.ts'
import { parseOptions } from './options.ts'
import { formatReport, writeReport } from './report.ts'

const options = parseOptions(Bun.argv.slice(2), Bun.env)
console.log(`chaos: seed ${options.seed}`)
const result = await runCampaign(options, (line) => console.log(line))
const path = await writeReport(result)
console.log(`\n${formatReport(result)}\n\nreport written to ${path}`)
process.exit(result.anomalies.length > 0 ? 1 : 0)
