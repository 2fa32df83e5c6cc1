import { service } from '@flash/http'
import { Elysia, t } from 'elysia'

const app = new Elysia()
  .use(service({ name: 'auth', maxBodyBytes: 1024 }))
  .post('/auth/login', ({ body }) => ({ got: body }), {
    body: t.Object({
      email: t.String({ format: 'email', maxLength: 254 }),
      password: t.String({ minLength: 1, maxLength: 200 }),
    }),
  })
  .listen({ port: 0, hostname: '127.0.0.1', maxRequestBodySize: 1024 })
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
await go('ok', { headers: json, body: JSON.stringify({ email: 'A@b.co', password: 'x' }) })
await go('malformed', { headers: json, body: '{"email":' })
await go('missing', { headers: json, body: '{}' })
await go('missing pw', { headers: json, body: JSON.stringify({ email: 'a@b.co' }) })
await go('nonstring', { headers: json, body: JSON.stringify({ email: 42, password: 'x' }) })
await go('bad email', { headers: json, body: JSON.stringify({ email: 'nope', password: 'x' }) })
await go('empty pw', { headers: json, body: JSON.stringify({ email: 'a@b.co', password: '' }) })
await go('array', { headers: json, body: '[]' })
await go('null', { headers: json, body: 'null' })
await go('no body', { headers: json })
await go('no ct', { body: JSON.stringify({ email: 'a@b.co', password: 'x' }) })
await go('text ct', {
  headers: { 'content-type': 'text/plain' },
  body: JSON.stringify({ email: 'a@b.co', password: 'x' }),
})
await go('form', {
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'email=a@b.co&password=x',
})
await go('extra', {
  headers: json,
  body: JSON.stringify({ email: 'a@b.co', password: 'x', role: 'admin' }),
})
await go('big', {
  headers: json,
  body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(5000) }),
})
const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(5000) })
await go('big chunked', {
  headers: json,
  body: new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(big))
      c.close()
    },
  }),
})
const mid = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(800) })
await go('mid chunked (<1024)', {
  headers: json,
  body: new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(mid))
      c.close()
    },
  }),
})
await go('GET', { method: 'GET' })
app.stop(true)
