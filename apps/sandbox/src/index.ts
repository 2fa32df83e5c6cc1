import { createSandboxApp } from './app.ts'
import { env } from './env.ts'

if (Bun.env.NODE_ENV === 'production')
  console.error('sandbox: this is a development stand-in; never point production at it')

const app = createSandboxApp({
  settings: {
    declineRate: env.SANDBOX_DECLINE_RATE,
    latencyMs: env.SANDBOX_LATENCY_MS,
    outage: false,
    seed: env.SANDBOX_SEED,
  },
  maxBodyBytes: env.MAX_BODY_BYTES,
}).listen({ port: env.PORT, hostname: env.HOST, maxRequestBodySize: env.MAX_BODY_BYTES * 4 })

console.log(`sandbox listening on http://${env.HOST}:${app.server?.port}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    await app.stop()
    process.exit(0)
  })
}
