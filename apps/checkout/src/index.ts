import { serve } from '@flash/http'
import { readCheckoutEnv } from './env.ts'
import { openCheckout } from './open.ts'

const env = readCheckoutEnv(Bun.env)
const { app, close } = await openCheckout(env)
await serve(app, {
  name: 'checkout',
  port: env.PORT,
  host: env.HOST,
  onStop: close,
  portGroup: env.REUSE_PORT_GROUP,
})
