import { describe, expect, it } from 'bun:test'
import { homePartitions } from '../src/partitions/share.ts'

/** Every worker's partitions, for `count` workers over `partitions` partitions. */
const split = (count: number, partitions: number) =>
  Array.from({ length: count }, (_, i) => homePartitions(i + 1, count, partitions))

describe('homePartitions', () => {
  it('gives one worker every partition', () => {
    expect(split(1, 4)).toEqual([[0, 1, 2, 3]])
  })

  it('gives each partition exactly one home worker when there are at least as many partitions', () => {
    expect([split(2, 4), split(3, 4), split(4, 4)]).toEqual([
      [
        [0, 2],
        [1, 3],
      ],
      [[0, 3], [1], [2]],
      [[0], [1], [2], [3]],
    ])
  })

  it('puts the extra workers beside others when there are more workers than partitions', () => {
    expect([split(2, 1), split(3, 2)]).toEqual([
      [[0], [0]],
      [[0], [1], [0]],
    ])
  })
})
