import { connectDb } from '@flash/db/client'
import { createTokenService } from '@flash/tokens'
import { createAuthApp } from './app.ts'
import { readServerEnv } from './env.ts'

const env = readServerEnv()
const { db, close } = connectDb(env.DATABASE_URL)

const app = createAuthApp({
  db,
  tokens: createTokenService({
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  }),
  maxBodyBytes: env.MAX_BODY_BYTES,
}).listen({ port: env.PORT, hostname: env.HOST })

console.log(`auth listening on http://${env.HOST}:${app.server?.port}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    // The first signal drains in-flight requests; a second one means "now".
    if (stopping) process.exit(1)
    stopping = true
    await app.stop()
    await close()
    process.exit(0)
  })
}
