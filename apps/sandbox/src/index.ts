import { serve } from '@flash/http'
import { createSandboxApp } from './app.ts'
import { env } from './env.ts'
import { calmSettings } from './settings.ts'

if (env.NODE_ENV === 'production')
  console.error('sandbox: this is a development stand-in; never point production at it')

const app = createSandboxApp({
  settings: {
    ...calmSettings,
    declineRate: env.SANDBOX_DECLINE_RATE,
    latencyMs: env.SANDBOX_LATENCY_MS,
    seed: env.SANDBOX_SEED,
  },
  maxBodyBytes: env.MAX_BODY_BYTES,
})

await serve(app, {
  name: 'sandbox',
  port: env.PORT,
  host: env.HOST,
})
