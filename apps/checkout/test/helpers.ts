import { keySpace, markFreshKeySpace } from '@flash/redis'
import { testDatabase, testRedis, testTokens } from '@flash/testing'
import { createCheckoutApp } from '../src/app.ts'

/** The credential `startCheckout`'s app expects from the gateway (and on `/internal`). */
export const SERVICE_TOKEN = 'checkout-test-service-token'

/**
 * A checkout app on its own database and key prefix, listening on a free
 * port so tests go through real HTTP.
 */
export async function startCheckout(
  options: {
    soldOutFlagMs?: number
    rateLimits?: { perBuyer: number; perClient: number; windowSeconds: number }
    returnWindowSeconds?: number
    /** REDIS_PARTITIONS; the keys of every partition live under the test's prefix. */
    partitions?: number
  } = {},
) {
  const database = await testDatabase()
  const redis = await testRedis()
  const space = keySpace(redis.prefix, options.partitions ?? 1)
  await markFreshKeySpace(redis.redis, space)
  const errors: string[] = []
  const app = createCheckoutApp({
    redis: redis.redis,
    db: database.db,
    space,
    tokens: testTokens,
    maxBodyBytes: 16 * 1024,
    idempotencyTtlSeconds: 3600,
    orderStateTtlSeconds: 3600,
    finishedOrderTtlSeconds: 600,
    returnWindowSeconds: options.returnWindowSeconds ?? 86_400,
    soldOutFlagMs: options.soldOutFlagMs ?? 500,
    // Every test buyer comes from 127.0.0.1: rate limits are off unless a test is about them.
    rateLimits: options.rateLimits ?? null,
    serviceToken: SERVICE_TOKEN,
    log: (line) => errors.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  const url = `http://127.0.0.1:${app.server?.port}`
  return {
    app,
    url,
    database,
    redis,
    /** The key space the app uses (`redis.space` has one partition). */
    space,
    errors,
    async [Symbol.asyncDispose]() {
      await app.stop(true)
      await redis[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

/** POST /orders as a buyer, with a fresh idempotency key unless one is given. */
export async function placeOrder(
  url: string,
  buyerId: string,
  body: unknown,
  idempotencyKey: string | null = crypto.randomUUID(),
  extraHeaders: Record<string, string> = {},
) {
  const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    ...extraHeaders,
  }
  if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, any>,
  }
}

/** Any request as a buyer; answers status and parsed JSON body. */
export async function asBuyer(url: string, buyerId: string, method: string, path: string) {
  const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** Counts the commands an ioredis connection sends from now on, and keeps their names. */
export function countCommands(redis: {
  sendCommand(command: { name: string }, ...rest: unknown[]): unknown
}) {
  const original = redis.sendCommand.bind(redis)
  const names: string[] = []
  redis.sendCommand = (command, ...rest) => {
    names.push(command.name.toLowerCase())
    return original(command, ...rest)
  }
  return {
    get sent() {
      return names.length
    },
    names,
    restore: () => {
      redis.sendCommand = original
    },
  }
}
