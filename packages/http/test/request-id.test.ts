import { describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { service } from '../src/index.ts'

describe('request ids', () => {
  const app = new Elysia()
    .use(service({ name: 'test', maxBodyBytes: 1024 }))
    .get('/thing', () => ({ ok: true }))

  it('echoes the id the gateway assigned', async () => {
    const response = await app.handle(
      new Request('http://localhost/thing', { headers: { 'x-request-id': 'req-42' } }),
    )
    expect({ status: response.status, id: response.headers.get('x-request-id') }).toEqual({
      status: 200,
      id: 'req-42',
    })
  })

  it('mints none of its own: the gateway is where ids are assigned', async () => {
    const response = await app.handle(new Request('http://localhost/thing'))
    expect({ status: response.status, id: response.headers.get('x-request-id') }).toEqual({
      status: 200,
      id: null,
    })
  })
})
