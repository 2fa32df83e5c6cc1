/**
 * `bun run start`: the whole service on this machine. Finds or starts Redis
 * and MySQL, migrates, seeds an admin, demo buyers and a live flash sale,
 * starts every app as its own process and prints how to place an order.
 * Ctrl-C stops everything it started.
 */
import { defaults } from '@flash/config'
import { migrateDb } from '@flash/db/client'
import { type App, runToEnd, startApp, waitUntilUp } from './lib/processes.ts'
import { findOrStartServices, migrationsFolder } from './lib/services.ts'

const ports = {
  gateway: Number(Bun.env.GATEWAY_PORT ?? defaults.ports.gateway),
  auth: Number(Bun.env.AUTH_PORT ?? defaults.ports.auth),
  catalog: Number(Bun.env.CATALOG_PORT ?? defaults.ports.catalog),
  checkout: Number(Bun.env.CHECKOUT_PORT ?? defaults.ports.checkout),
  sandbox: Number(Bun.env.SANDBOX_PORT ?? defaults.ports.sandbox),
}

await refuseTakenPorts(Object.values(ports))
const services = await findOrStartServices((line) => console.log(`[services] ${line}`))
const shared = { REDIS_URL: services.redisUrl, DATABASE_URL: services.databaseUrl }
const apps: App[] = []
let stopping = false

async function stopAll(code: number) {
  if (stopping) return
  stopping = true
  console.log('\nstopping every process this command started…')
  for (const app of apps) app.process.kill('SIGTERM')
  await Promise.all(apps.map((app) => app.process.exited))
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
    ['worker', { PAYMENT_URL: urls.sandbox, RESEND_BASE_URL: urls.sandbox }],
    [
      'gateway',
      {
        PORT: String(ports.gateway),
        AUTH_URL: urls.auth,
        CATALOG_URL: urls.catalog,
        CHECKOUT_URL: urls.checkout,
      },
    ],
  ]
  for (const [index, [name, env]] of plan.entries())
    apps.push(startApp(name, ['bun', `apps/${name}/src/index.ts`], { ...shared, ...env }, index))
  for (const app of apps)
    void app.process.exited.then((code) => {
      if (!stopping) {
        console.error(`${app.name} exited with code ${code}; stopping the rest`)
        void stopAll(1)
      }
    })
  await Promise.all(Object.values(urls).map((url) => waitUntilUp(`${url}/health`)))
  printWelcome(urls, saleId)
} catch (error) {
  console.error(`start failed: ${(error as Error).message}`)
  await stopAll(1)
}

function printWelcome(urls: Record<string, string>, saleId: string) {
  const gw = urls.gateway
  console.log(`
Flash-sale shop is up.
${Object.entries(urls)
  .map(([name, url]) => `  ${name.padEnd(9)} ${url}`)
  .join('\n')}
  worker    consuming the order streams; schedules on
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
