import { describe, expect, it } from 'bun:test'
import { planMoves } from '../src/buckets/plan.ts'

const views = (...stocks: [number, number][]) => stocks.map(([stock, wants]) => ({ stock, wants }))

describe('planMoves', () => {
  it('fills an empty bucket up to its share from the fullest ones', () => {
    expect(planMoves(views([0, 0], [50, 0], [50, 0]))).toEqual([
      { from: 2, to: 0, units: 17 },
      { from: 1, to: 0, units: 16 },
    ])
  })

  it('moves nothing while every bucket holds at least half its share and none is asked', () => {
    expect(planMoves(views([20, 0], [35, 0], [35, 0]))).toEqual([])
    expect(planMoves(views([0, 0], [0, 0], [0, 3]))).toEqual([])
  })

  it('fills a bucket buyers asked units of, below its share, even above half of it', () => {
    expect(planMoves(views([25, 2], [35, 0], [30, 0]))).toEqual([{ from: 1, to: 0, units: 5 }])
  })

  it('gives the last units to the bucket that is asked for them', () => {
    expect(planMoves(views([1, 0], [0, 1], [0, 0]))).toEqual([{ from: 0, to: 1, units: 1 }])
    expect(planMoves(views([1, 0], [0, 0], [0, 0]))).toEqual([])
  })

  it('never plans a move of 0 units, and no bucket both gives and receives', () => {
    for (const stocks of [
      [7, 0, 0],
      [0, 7, 1],
      [3, 3, 3],
      [100, 1, 0],
      [2, 0, 1],
    ]) {
      const moves = planMoves(stocks.map((stock, i) => ({ stock, wants: i === 2 ? 1 : 0 })))
      const givers = new Set(moves.map((m) => m.from))
      expect(moves.every((m) => m.units > 0 && !givers.has(m.to))).toBe(true)
      const after = [...stocks]
      for (const m of moves) {
        after[m.from] = (after[m.from] ?? 0) - m.units
        after[m.to] = (after[m.to] ?? 0) + m.units
      }
      expect(after.every((n) => n >= 0)).toBe(true)
    }
  })
})
