import { describe, expect, it } from 'bun:test'
import { DEFAULT_JSON_LIMITS, jsonShapeProblem } from '../src/index.ts'

const shapeOf = (text: string, limits = DEFAULT_JSON_LIMITS) =>
  jsonShapeProblem(new TextEncoder().encode(text), limits) ?? 'ok'

const nested = (depth: number, inner = '') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`

describe('jsonShapeProblem', () => {
  it('takes the bodies the apps expect', () => {
    expect([
      shapeOf('{"saleId":"0190c9a2-7e1c-7d4e-9c1a-3f5b2a1d0e9f","quantity":2}'),
      shapeOf('{"email":"a@b.c","password":"p"}'),
      shapeOf(' \n\t\r{ "a" : [ 1 , 2 ] } '),
      shapeOf(''),
      shapeOf('null'),
    ]).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
  })

  it('refuses nesting one level past the limit, in arrays and objects alike', () => {
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`
    expect({
      arrays32: shapeOf(nested(32)),
      arrays33: shapeOf(nested(33)),
      objects32: shapeOf(objects(32)),
      objects33: shapeOf(objects(33)),
      deepInAField: shapeOf(`{"saleId":${nested(8_000)}}`),
    }).toEqual({
      arrays32: 'ok',
      arrays33: 'depth',
      objects32: 'ok',
      objects33: 'depth',
      deepInAField: 'depth',
    })
  })

  it('counts every value once, the top-level one included, and refuses the one past the limit', () => {
    const limits = { maxDepth: 32, maxValues: 5 }
    expect({
      // The array and its four elements.
      five: shapeOf('[1,2,3,4]', limits),
      six: shapeOf('[1,2,3,4,5]', limits),
      // The object, the value of a, the array in b and its two elements.
      members: shapeOf('{"a":1,"b":[2,3]}', limits),
      oneMore: shapeOf('{"a":1,"b":[2,3],"c":4}', limits),
      // Empty containers hold nothing: the outer array and four empty ones.
      empty: shapeOf('[[],{},[],{}]', limits),
      flat: shapeOf(`[${'0,'.repeat(1_000)}0]`),
    }).toEqual({
      five: 'ok',
      six: 'values',
      members: 'ok',
      oneMore: 'values',
      empty: 'ok',
      flat: 'values',
    })
  })

  it('reads brackets, commas and escaped quotes inside strings as text', () => {
    const limits = { maxDepth: 2, maxValues: 3 }
    expect({
      brackets: shapeOf(`["${'[{'.repeat(100)}"]`, limits),
      commas: shapeOf(`["${','.repeat(100)}"]`, limits),
      escapedQuote: shapeOf(`["a\\"[[[[,,,,"]`, limits),
      escapedBackslash: shapeOf(`["a\\\\",[["b"]]]`, { maxDepth: 2, maxValues: 100 }),
      key: shapeOf(`{"[[[[,,":1}`, limits),
    }).toEqual({
      brackets: 'ok',
      commas: 'ok',
      escapedQuote: 'ok',
      // The string ends after the escaped backslash: the brackets after it are structure.
      escapedBackslash: 'depth',
      key: 'ok',
    })
  })

  it('never lets stray closing brackets lower the depth below the top level', () => {
    expect(shapeOf(`${']'.repeat(40)}${nested(33)}`)).toBe('depth')
  })
})
