import { describe, expect, it } from 'bun:test'
import { bearerToken } from '../src/index.ts'

describe('bearerToken', () => {
  it('reads the scheme in any case, as RFC 9110 says it is compared', () => {
    expect(['Bearer abc', 'bearer abc', 'BEARER abc', 'bEaReR   abc '].map(bearerToken)).toEqual([
      'abc',
      'abc',
      'abc',
      'abc',
    ])
  })

  it('finds no token in other schemes, a bare scheme, or no header', () => {
    expect(
      ['Basic abc', 'Bearer', 'Bearer    ', 'Bearerabc', '', null, undefined].map(bearerToken),
    ).toEqual([null, null, null, null, null, null, null])
  })
})
