/**
 * `bun run start`: the whole service on this machine. Finds or starts Redis
 * and MySQL, migrates, seeds an admin, demo buyers and a live flash sale,
 * starts every app as its own process and prints how to place an order.
 * With CHECKOUT_IN_PROCESS=yes checkout runs inside the gateway's process
 * instead (README, "Two deployments"). CHECKOUT_PROCESSES, GATEWAY_PROCESSES
 * and WORKER_PROCESSES run several of those on one port each: the processes
 * of a service share it as one port group (REUSE_PORT_GROUP, drawn for this
 * run), and workers split the partitions (WORKER_INDEX of WORKER_COUNT).
 * An app that ends (a crash, kill -9, a port taken) is restarted with a
 * backoff while the others keep serving; Ctrl-C (or SIGTERM) stops everything
 * it started and restarts nothing.
 */
import { defaults } from '@flash/config'
import { migrateDb } from '@flash/db/client'
import { processNames, readProcessCounts } from './lib/process-counts.ts'
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

const counts = readCountsOrExit()
const partitions = Number(Bun.env.REDIS_PARTITIONS || 1)
if (counts.worker > partitions)
  console.log(
    `[start] ${counts.worker} workers, ${partitions} partition(s): the extra workers share partitions with the others; set REDIS_PARTITIONS to at least ${counts.worker} to split the work`,
  )
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
  // The processes of one service share its port only with each other, and
  // only within this run: a port held by anything else stops them (serve()).
  const REUSE_PORT_GROUP = crypto.randomUUID()
  const plan: [string, Record<string, string>[]][] = [
    ['sandbox', [{ PORT: String(ports.sandbox) }]],
    ['auth', [{ PORT: String(ports.auth), CHECKOUT_URL: `http://127.0.0.1:${ports.checkout}` }]],
    ['catalog', [{ PORT: String(ports.catalog) }]],
    [
      'checkout',
      checkoutInProcess ? [] : times(counts.checkout, () => ({ PORT: String(ports.checkout) })),
    ],
    [
      'worker',
      times(counts.worker, (index) => ({
        WORKER_NAME: `worker-${index}`,
        WORKER_INDEX: String(index),
        WORKER_COUNT: String(counts.worker),
        // The schedules are deployment-wide: one worker runs them (README, "Several processes").
        SCHEDULES: index === 1 ? (Bun.env.SCHEDULES ?? 'on') : 'off',
        PAYMENT_URL: urls.sandbox,
        RESEND_BASE_URL: urls.sandbox,
        METRICS_PORT: String(ports.worker),
      })),
    ],
    [
      'gateway',
      times(counts.gateway, () => ({
        PORT: String(ports.gateway),
        AUTH_URL: urls.auth,
        CATALOG_URL: urls.catalog,
        CHECKOUT_URL: urls.checkout,
        CHECKOUT_IN_PROCESS: checkoutInProcess ? 'yes' : 'no',
      })),
    ],
  ]
  // Ctrl-C came during the seeding: stopAll is on its way to exit, and apps
  // started now would be left behind.
  if (stopping) await new Promise(() => {})
  supervisor = supervise(
    plan.flatMap(([service, envs]) => {
      const names = processNames(service, envs.length)
      return envs.map((env, i) => ({
        name: names[i] ?? service,
        command: ['bun', `apps/${service}/src/index.ts`],
        env: { ...shared, REUSE_PORT_GROUP, ...env },
      }))
    }),
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
  (processes: ${counts.gateway} gateway, ${checkoutInProcess ? 'checkout in each gateway' : `${counts.checkout} checkout`}, ${counts.worker} worker; those of a service share its port)
  (the workers consume the order streams, worker 1 runs the schedules; their port serves /health and /metrics)
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

function readCountsOrExit() {
  try {
    return readProcessCounts(Bun.env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}

/** `count` settings, one per process, numbered from 1. */
function times(
  count: number,
  settings: (index: number) => Record<string, string>,
): Record<string, string>[] {
  return Array.from({ length: count }, (_, i) => settings(i + 1))
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
