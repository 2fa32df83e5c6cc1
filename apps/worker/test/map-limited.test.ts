import { describe, expect, it } from 'bun:test'
import { mapLimited } from '../src/map-limited.ts'

describe('mapLimited', () => {
  it('keeps at most `limit` calls in flight and the results in the order of the items', async () => {
    let inFlight = 0
    let most = 0
    const results = await mapLimited(
      Array.from({ length: 50 }, (_, i) => i),
      7,
      async (n) => {
        inFlight++
        most = Math.max(most, inFlight)
        // Finish out of order: later items often settle first.
        for (let turns = 1 + ((n * 13) % 5); turns > 0; turns--) await Promise.resolve()
        inFlight--
        return n * 2
      },
    )
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2))
    expect(most).toBe(7)
  })

  it('rejects as Promise.all does, and handles no items and a limit above their count', async () => {
    const failing = mapLimited([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('two failed')
      return n
    })
    await expect(failing).rejects.toThrow('two failed')
    expect(await mapLimited([], 4, async (n: number) => n)).toEqual([])
    expect(await mapLimited([1, 2], 100, async (n) => n + 1)).toEqual([2, 3])
    await expect(mapLimited([1], 0, async (n) => n)).rejects.toThrow('positive integer')
  })
})
