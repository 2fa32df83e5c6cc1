import { describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { service, UUID_PATTERN } from '../src/index.ts'

describe('request ids', () => {
  const app = new Elysia()
    .use(service({ name: 'test', maxBodyBytes: 1024 }))
    .get('/thing', () => ({ ok: true }))
  const idOf = async (id?: string) => {
    const response = await app.handle(
      new Request('http://localhost/thing', {
        headers: id === undefined ? {} : { 'x-request-id': id },
      }),
    )
    return { status: response.status, id: response.headers.get('x-request-id') }
  }

  it('echoes an id that is a short printable token, as the gateway assigns them', async () => {
    expect([await idOf('req-42'), await idOf('0190c9a2-7e1c-7d4e-9c1a-3f5b2a1d0e9f')]).toEqual([
      { status: 200, id: 'req-42' },
      { status: 200, id: '0190c9a2-7e1c-7d4e-9c1a-3f5b2a1d0e9f' },
    ])
  })

  it('answers a fresh id in place of one that is not: a control byte, a space, a page of text', async () => {
    const answers = [
      await idOf('bad\x7fid'),
      await idOf('two words'),
      await idOf('<script>'),
      await idOf('x'.repeat(129)),
    ]
    expect(answers).toEqual(
      answers.map(() => ({ status: 200, id: expect.stringMatching(new RegExp(UUID_PATTERN)) })),
    )
  })

  it('mints none for a request that came without one: ids are assigned at the gateway', async () => {
    expect(await idOf()).toEqual({ status: 200, id: null })
  })
})
