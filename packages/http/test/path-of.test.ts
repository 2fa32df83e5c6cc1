import { describe, expect, it } from 'bun:test'
import { pathOf } from '../src/index.ts'

describe('pathOf', () => {
  it('reads the path of an absolute URL as URL does, query and all', () => {
    const urls = [
      'http://127.0.0.1:3003/orders',
      'http://127.0.0.1:3003/orders/',
      'http://localhost/orders?saleId=1&x=/y',
      'https://shop.example.com:8443/a/b/c?',
      'http://localhost',
      'http://localhost?q=1',
    ]
    expect(urls.map(pathOf)).toEqual(urls.map((url) => new URL(url).pathname))
  })
})
