import { expect, it } from 'bun:test'
import { appLatency, type RouteDurations } from '../lib/app-latency.ts'

const buckets = (counts: [number, number][]): RouteDurations => new Map(counts)

it("reads the share within 10 ms and the p99 off the app's buckets, counting only the answers between the scrapes", () => {
  const before = buckets([
    [0.005, 500],
    [0.01, 900],
    [0.025, 1_000],
    [Number.POSITIVE_INFINITY, 1_000],
  ])
  // 10,000 answers since: 9,000 within 5 ms, 980 more within 10 ms, 20 within 25 ms.
  const after = buckets([
    [0.005, 9_500],
    [0.01, 10_880],
    [0.025, 11_000],
    [Number.POSITIVE_INFINITY, 11_000],
  ])
  const latency = appLatency(before, after)
  expect(latency.answered).toBe(10_000)
  expect(latency.within10ms).toBeCloseTo(0.998, 10)
  // The 9,900th answer is the 900th of the 980 in the 5-10 ms bucket.
  expect(latency.p99Ms).toBeCloseTo(5 + (5 * 900) / 980, 10)
})

it('says so when the p99 lies past the last bound, and gives nothing for no answers', () => {
  const after = buckets([
    [0.01, 90],
    [10, 98],
    [Number.POSITIVE_INFINITY, 100],
  ])
  expect(appLatency(new Map(), after)).toEqual({ answered: 100, within10ms: 0.9, p99Ms: null })
  expect(appLatency(after, after)).toEqual({ answered: 0, within10ms: 0, p99Ms: null })
})
