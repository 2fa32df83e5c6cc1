import { afterAll, beforeAll, expect, it } from 'bun:test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runWrk } from '../lib/drivers.ts'

/**
 * bench/lib/orders.lua against a server that only counts who asked: every
 * request must carry a buyer token from the file, and each wrk thread must
 * walk through every buyer before one comes back. wrk.format writes headers
 * in `pairs` order, which LuaJIT randomizes per Lua state, so a driver that
 * depends on that order breaks in some threads of some runs only: thirty-two
 * threads make a run with none broken unlikely.
 */

const BUYERS = 1_000
const THREADS = 32
const tokens = Array.from({ length: BUYERS }, (_, i) => `buyer-${i}`)
const tokensFile = join(tmpdir(), `orders-lua-test-${process.pid}-${crypto.randomUUID()}.txt`)

/** Requests seen, by token, by wrk thread (the key is `<run>-<thread>-<counter>`) and token. */
const byToken = new Map<string, number>()
const byThread = new Map<string, Map<string, number>>()
const unknown: string[] = []
let seen = 0

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    seen++
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1]
    const thread = request.headers.get('idempotency-key')?.split('-').at(-2)
    if (!token || !thread || !byToken.has(token)) {
      if (unknown.length < 5) unknown.push(`${request.headers.get('authorization')} ${thread}`)
      return new Response('{}', { status: 400 })
    }
    byToken.set(token, (byToken.get(token) ?? 0) + 1)
    const counts = byThread.get(thread) ?? new Map<string, number>()
    counts.set(token, (counts.get(token) ?? 0) + 1)
    byThread.set(thread, counts)
    return new Response('{}', { status: 202 })
  },
})

beforeAll(async () => {
  for (const token of tokens) byToken.set(token, 0)
  await Bun.write(tokensFile, `${tokens.join('\n')}\n`)
})

afterAll(async () => {
  server.stop(true)
  await Bun.file(tokensFile).delete()
})

it('sends every request through the rotation over all buyers, in every wrk thread', async () => {
  if (!Bun.which('wrk')) throw new Error('wrk is not installed (apt-get install wrk)')
  const load = await runWrk({
    url: `http://127.0.0.1:${server.port}`,
    script: 'orders.lua',
    seconds: 2,
    connections: THREADS,
    threads: THREADS,
    env: { BENCH_TOKENS: tokensFile, BENCH_BODY: JSON.stringify({ saleId: 's', quantity: 1 }) },
  })
  // Every answer wrk counted was counted here first.
  expect(seen).toBeGreaterThanOrEqual(load.requests)
  expect(unknown).toEqual([])
  expect(load.statuses).toEqual({ '202': load.requests })
  expect(byThread.size).toBe(THREADS)

  const total = [...byToken.values()].reduce((a, b) => a + b, 0)
  const spread = [...byThread.values()].map((counts) => {
    const requests = [...counts.values()].reduce((a, b) => a + b, 0)
    return { requests, most: Math.max(...counts.values()), bound: Math.ceil(requests / BUYERS) }
  })
  const most = Math.max(...byToken.values())
  const reached = [...byToken.values()].filter((n) => n > 0).length
  console.log(
    `orders.lua: ${total} requests over ${reached} buyers, mean ${(total / BUYERS).toFixed(1)}, ` +
      `most ${most} (${[...byToken].find(([, n]) => n === most)?.[0]}); threads repeating a buyer ` +
      `before reaching all: ${spread.filter((t) => t.most > t.bound).length} of ${THREADS}`,
  )
  // A thread's n requests reach min(n, BUYERS) buyers, none more than ceil(n / BUYERS) times.
  for (const thread of spread) expect(thread.most).toBeLessThanOrEqual(thread.bound)
  // So no buyer is asked for more than the mean plus one request per thread.
  expect(most).toBeLessThanOrEqual(Math.ceil(total / BUYERS) + THREADS)
  expect(reached).toBeGreaterThanOrEqual(
    Math.max(...spread.map((t) => Math.min(BUYERS, t.requests))),
  )
}, 30_000)
