import { expect, it } from 'bun:test'
import { stampede } from '../stampede/run.ts'
import { shortLoad } from './short-load.ts'

/** A short load: two seconds, a few connections, a few buyers, no warm-up. */
const ctx = shortLoad('bench-stampede-', 2)

it("reports, beside wrk's figures, the latency checkout's own /metrics gives for every order it answered", async () => {
  const result = await stampede(ctx, {
    name: 'stampede',
    summary: 'a short stampede',
    stack: { logDir: ctx.logDir },
  })
  expect(result.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0 })
  const accepted = result.load?.statuses['202'] ?? 0
  expect(accepted).toBeGreaterThan(0)
  // Every 202 wrk counted was timed by checkout (and those cut off at wrk's deadline too).
  const timed = Number(result.facts['answers timed by its own clock'])
  expect(timed).toBeGreaterThanOrEqual(accepted)
  expect(timed - accepted).toBeLessThanOrEqual(ctx.options.connections)
  const within = Number(result.facts['answered within 10 ms by its own clock (%)'])
  expect(within).toBeGreaterThanOrEqual(0)
  expect(within).toBeLessThanOrEqual(100)
  expect(result.facts['p99 by its own clock (ms)']).toMatch(/^\d+\.\d$|^over 10 s$/)
}, 120_000)
