/**
 * `bun run start`: the whole service on this machine. Finds or starts Redis
 * and MySQL, migrates, seeds an admin, demo buyers and a live flash sale,
 * starts every app as its own process and prints how to place an order.
 * With CHECKOUT_IN_PROCESS=yes checkout runs inside the gateway's process
 * instead (README, "Two deployments").
 * An app that ends (a crash, kill -9, a port taken) is restarted with a
 * backoff while the others keep serving; Ctrl-C (or SIGTERM) stops everything
 * it started and restarts nothing.
 */
import { defaults } from '@flash/config'
import { migrateDb } from '@flash/db/client'
import { runToEnd, waitUntilUp } from './lib/processes.ts'
import { findOrStartServices, migrationsFolder } from './lib/services.ts'
import { type Supervisor, supervise } from './lib/supervisor.ts'

const ports = {
  gateway: Number(Bun.env.GATEWAY_PORT ?? defaults.ports.gateway),
  auth: Number(Bun.env.AUTH_PORT ?? defaults.ports.auth),
  catalog: Number(Bun.env.CATALOG_PORT ?? defaults.ports.catalog),
  checkout: Number(Bun.env.CHECKOUT_PORT ?? defaults.ports.checkout),
  sandbox: Number(Bun.env.SANDBOX_PORT ?? defaults.ports.sandbox),
  worker: Number(Bun.env.WORKER_PORT ?? defaults.ports.worker),
}

await refuseTakenPorts(Object.values(ports))
const services = await findOrStartServices((line) => console.log(`[services] ${line}`))
const shared = { REDIS_URL: services.redisUrl, DATABASE_URL: services.databaseUrl }
const checkoutInProcess = Bun.env.CHECKOUT_IN_PROCESS === 'yes'
let supervisor: Supervisor | undefined
let stopping = false

async function stopAll(code: number) {
  if (stopping) return
  stopping = true
  console.log('\nstopping every process this command started…')
  await supervisor?.stop()
  await services.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

try {
  await migrateDb(services.databaseUrl, migrationsFolder)
  console.log(`[setup] migrated ${services.databaseUrl}`)
  process.stdout.write(await runToEnd(['bun', 'apps/auth/src/seed.ts'], shared))
  const catalogSeed = await runToEnd(['bun', 'apps/catalog/src/seed.ts'], shared)
  process.stdout.write(catalogSeed)
  const { saleId } = JSON.parse(catalogSeed.trim().split('\n').at(-1) ?? '{}') as { saleId: string }

  const urls = Object.fromEntries(
    Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`]),
  ) as Record<keyof typeof ports, string>
  const plan: [string, Record<string, string>][] = [
    ['sandbox', { PORT: String(ports.sandbox) }],
    ['auth', { PORT: String(ports.auth), CHECKOUT_URL: `http://127.0.0.1:${ports.checkout}` }],
    ['catalog', { PORT: String(ports.catalog) }],
    ['checkout', { PORT: String(ports.checkout) }],
    [
      'worker',
      {
        PAYMENT_URL: urls.sandbox,
        RESEND_BASE_URL: urls.sandbox,
        METRICS_PORT: String(ports.worker),
      },
    ],
    [
      'gateway',
      {
        PORT: String(ports.gateway),
        AUTH_URL: urls.auth,
        CATALOG_URL: urls.catalog,
        CHECKOUT_URL: urls.checkout,
        CHECKOUT_IN_PROCESS: checkoutInProcess ? 'yes' : 'no',
      },
    ],
  ]
  const started = checkoutInProcess ? plan.filter(([name]) => name !== 'checkout') : plan
  // Ctrl-C came during the seeding: stopAll is on its way to exit, and apps
  // started now would be left behind.
  if (stopping) await new Promise(() => {})
  supervisor = supervise(
    started.map(([name, env]) => ({
      name,
      command: ['bun', `apps/${name}/src/index.ts`],
      env: { ...shared, ...env },
    })),
    { log: (line) => console.error(`[start] ${line}`) },
  )
  await Promise.all(Object.entries(urls).map(([name, url]) => waitForHealth(name, url)))
  printWelcome(urls, saleId)
} catch (error) {
  console.error(`start failed: ${(error as Error).message}`)
  await stopAll(1)
}

/** An app that keeps failing is being restarted (logged above); the rest serve meanwhile. */
async function waitForHealth(name: string, url: string) {
  for (;;) {
    try {
      return await waitUntilUp(`${url}/health`)
    } catch {
      console.error(`[start] ${name} does not answer ${url}/health yet; still waiting`)
    }
  }
}

function printWelcome(urls: Record<string, string>, saleId: string) {
  const gw = urls.gateway
  console.log(`
Flash-sale shop is up.
  storefront ${gw}/   (log in as buyer1@flash.local / buyer-password, or the admin printed above)
${Object.entries(urls)
  .map(([name, url]) => `  ${name.padEnd(9)} ${url}`)
  .join('\n')}
  (the worker consumes the order streams, schedules on; its port serves /health and /metrics)
  (sandbox is the stand-in payment provider and mail sink: ${urls.sandbox}/emails)
  redis     ${services.redisUrl}
  mysql     ${services.databaseUrl}

Place an order (copy and paste):

  TOKEN=$(curl -s ${gw}/auth/login -H 'content-type: application/json' \\
    -d '{"email":"buyer1@flash.local","password":"buyer-password"}' | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')
  curl -s ${gw}/sales/${saleId}
  ORDER=$(curl -s ${gw}/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -H "idempotency-key: $(date +%s%N)" -d '{"saleId":"${saleId}","quantity":1}' | sed -E 's/.*"orderId":"([^"]+)".*/\\1/')
  curl -s ${gw}/orders/$ORDER -H "authorization: Bearer $TOKEN"   # pending, then paid (or failed: the sandbox declines 20%)
  curl -s ${urls.sandbox}/emails?to=buyer1@flash.local

Ctrl-C stops everything.`)
}

async function refuseTakenPorts(wanted: number[]) {
  for (const port of wanted) {
    try {
      Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } }).stop(true)
    } catch {
      console.error(`port ${port} is already in use (is another \`bun run start\` running?)`)
      process.exit(1)
    }
  }
}
