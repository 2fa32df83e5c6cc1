/**
 * The ceiling: an Elysia route that builds a small JSON object from its
 * parameter, on the same runtime as the apps. A constant answer would become a
 * native static route in Bun and measure nothing of ours.
 *
 *   PORT=4000 bun bench/bare/server.ts
 */
import { Elysia } from 'elysia'

const app = new Elysia()
  .get('/health', () => ({ ok: true }))
  .get('/bare/:id', ({ params }) => ({ id: params.id, even: params.id.length % 2 === 0 }))
  .listen({ port: Number(Bun.env.PORT ?? 0), hostname: '127.0.0.1' })

console.log(`bare listening on http://127.0.0.1:${app.server?.port}`)
process.on('SIGTERM', async () => {
  await app.stop()
  process.exit(0)
})
