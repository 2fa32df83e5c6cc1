import { service } from '@flash/http'
import { Elysia, t } from 'elysia'
import { boundedJson } from '../src/bounded-json.ts'

const app = new Elysia({ serve: { maxRequestBodySize: 4096 } })
  .use(service({ name: 'auth', maxBodyBytes: 1024 }))
  .use(boundedJson(1024))
  .post('/auth/login', ({ body }) => ({ got: body }), {
    boundedJson: true,
    body: t.Object({
      email: t.String({ format: 'email', maxLength: 254 }),
      password: t.String({ minLength: 1, maxLength: 200 }),
    }),
  })
  .listen({ port: 0, hostname: '127.0.0.1' })
const url = `http://127.0.0.1:${app.server?.port}/auth/login`
async function go(name: string, init: RequestInit) {
  try {
    const r = await fetch(url, { method: 'POST', ...init })
    console.log(name, r.status, r.headers.get('content-type'), (await r.text()).slice(0, 300))
  } catch (e) {
    console.log(name, 'THREW', String(e))
  }
}
const json = { 'content-type': 'application/json' }
const stream = (s: string) =>
  new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(s))
      c.close()
    },
  })
await go('ok', { headers: json, body: JSON.stringify({ email: 'A@b.co', password: 'x' }) })
await go('no ct', { body: JSON.stringify({ email: 'A@b.co', password: 'x' }) })
await go('malformed', { headers: json, body: '{"email":' })
await go('bad utf8', { headers: json, body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) })
await go('form', {
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'email=a@b.co&password=x',
})
await go('no body', { headers: json })
await go('missing', { headers: json, body: '{}' })
await go('big 2k', {
  headers: json,
  body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2000) }),
})
await go('big 10k', {
  headers: json,
  body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(10000) }),
})
await go('chunked 2k', {
  headers: json,
  body: stream(JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2000) })),
})
await go('chunked 10k', {
  headers: json,
  body: stream(JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(10000) })),
})
await go('chunked ok', {
  headers: json,
  body: stream(JSON.stringify({ email: 'a@b.co', password: 'x' })),
})
app.stop(true)
