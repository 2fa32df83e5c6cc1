import { describe, expect, it } from 'bun:test'
import {
  CLUSTER_SLOTS,
  keySlot,
  keySpace,
  partitionShare,
  partitionTag,
  partitionTagName,
} from '../src/index.ts'

describe('partitionTag', () => {
  it('puts every partition of 1..16 in its own share of the 16384 slots', () => {
    for (let partitions = 1; partitions <= 16; partitions++)
      for (let p = 0; p < partitions; p++) {
        const { first, end } = partitionShare(p, partitions)
        const slot = keySlot(partitionTag(keySpace('fs:', partitions), p))
        expect({ partitions, p, inShare: slot >= first && slot < end }).toEqual({
          partitions,
          p,
          inShare: true,
        })
      }
  })

  it('shares cover every slot once, in order', () => {
    for (const partitions of [1, 3, 7, 16]) {
      const shares = Array.from({ length: partitions }, (_, p) => partitionShare(p, partitions))
      expect(shares[0]?.first).toBe(0)
      expect(shares.at(-1)?.end).toBe(CLUSTER_SLOTS)
      for (let p = 1; p < partitions; p++) expect(shares[p]?.first).toBe(shares[p - 1]?.end)
    }
  })

  it('is a pure function of (partition, count): the prefix only goes in front', () => {
    expect(partitionTag(keySpace('fs:'), 0)).toBe('fs:{p0}')
    expect(partitionTagName(0, 1)).toBe('p0')
    const names = Array.from({ length: 3 }, (_, p) => partitionTagName(p, 3))
    expect(names.map((name) => name.split('.')[0])).toEqual(['p0', 'p1', 'p2'])
    expect(partitionTag(keySpace('other:', 3), 2)).toBe(`other:{${names[2]}}`)
    expect(partitionTag(keySpace('fs:', 3), 2)).toBe(`fs:{${names[2]}}`)
  })

  it('refuses a partition outside the count', () => {
    expect(() => partitionTagName(3, 3)).toThrow('partition 3 is not in 0..2')
  })
})

describe('keySlot', () => {
  it('hashes only the hash tag when there is one, as Redis does', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % CLUSTER_SLOTS)
    expect(keySlot('fs:{p0}:stream:orders')).toBe(keySlot('p0'))
    // An empty tag is no tag: the whole key is hashed.
    expect(keySlot('{}x')).not.toBe(keySlot('x'))
    expect(keySlot('a{b}{c}')).toBe(keySlot('b'))
  })
})
