/**
 * The original design's order endpoint, for the baseline only: a Redis lock
 * per sale (Redisson-style), read the stock from MySQL, write the decrement
 * and the order row in one transaction, unlock. Same token check and body
 * validation as checkout, so the difference is the design, not the framing.
 *
 *   DATABASE_URL=... REDIS_URL=... REDIS_PREFIX=bench: PORT=4000 bun bench/lock-baseline/server.ts
 */
import { flashSales, orderItems, orders } from '@flash/db'
import { connectDb } from '@flash/db/client'
import { connectRedis } from '@flash/redis'
import { testTokens } from '@flash/testing'
import { eq, sql } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { RedisLock } from './lock.ts'

const redisUrl = Bun.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = Bun.env.REDIS_PREFIX ?? 'bench:'
const redis = connectRedis(redisUrl, { name: 'lock-baseline' })
const lock = new RedisLock(redis, connectRedis(redisUrl, { name: 'lock-baseline-sub' }))
const { db } = connectDb(Bun.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/flashsale')
// Redisson's default lease is 30 s; a shorter one only matters if a holder dies.
const LEASE_MS = 10_000
const WAIT_MS = 10_000

const refuse = (status: number, code: string) =>
  Response.json({ error: { code, message: code } }, { status })

const app = new Elysia()
  .get('/health', () => ({ ok: true }))
  .post(
    '/orders',
    async ({ body, headers }) => {
      const bearer = headers.authorization?.replace(/^Bearer /, '') ?? ''
      const identity = await testTokens.verifyAccess(bearer)
      if (!identity) return refuse(401, 'unauthorized')
      const key = headers['idempotency-key']
      if (!key) return refuse(400, 'idempotency_key_required')
      const lockName = `${prefix}lock:sale:${body.saleId}`
      const owner = await lock.acquire(lockName, LEASE_MS, WAIT_MS)
      if (!owner) return refuse(503, 'lock_timeout')
      try {
        const [sale] = await db
          .select({
            remaining: flashSales.remaining,
            price: flashSales.price,
            productId: flashSales.productId,
          })
          .from(flashSales)
          .where(eq(flashSales.id, body.saleId))
        if (!sale) return refuse(404, 'not_found')
        if (sale.remaining < body.quantity) return refuse(409, 'sold_out')
        const orderId = Bun.randomUUIDv7()
        const now = new Date()
        await db.transaction(async (tx) => {
          await tx
            .update(flashSales)
            .set({ remaining: sql`${flashSales.remaining} - ${body.quantity}` })
            .where(eq(flashSales.id, body.saleId))
          await tx.insert(orders).values({
            id: orderId,
            userId: identity.userId,
            saleId: body.saleId,
            status: 'pending',
            total: sale.price * body.quantity,
            idempotencyKey: key,
            createdAt: now,
            updatedAt: now,
          })
          await tx.insert(orderItems).values({
            orderId,
            productId: sale.productId,
            quantity: body.quantity,
            unitPrice: sale.price,
          })
        })
        return Response.json({ orderId, status: 'pending' }, { status: 202 })
      } finally {
        await lock.release(lockName, owner)
      }
    },
    {
      body: t.Object({ saleId: t.String({ maxLength: 36 }), quantity: t.Integer({ minimum: 1 }) }),
    },
  )
  .listen({ port: Number(Bun.env.PORT ?? 0), hostname: '127.0.0.1' })

console.log(`lock-baseline listening on http://127.0.0.1:${app.server?.port}`)
process.on('SIGTERM', async () => {
  await app.stop()
  process.exit(0)
})
