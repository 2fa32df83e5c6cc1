import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { freePort } from '@flash/devstack'
import { type TestRedis, testDatabase, testRedis, waitFor } from '@flash/testing'

const repoRoot = new URL('../..', import.meta.url).pathname

/**
 * `bun scripts/start.ts` (what `bun run start` runs after installing) on free
 * ports, a database and a Redis key prefix of its own, in a process group of
 * its own so the test can press Ctrl-C the way a terminal does: SIGINT to
 * every process of the group at once.
 */
async function startCommand(env: Record<string, string>) {
  const ports = {
    GATEWAY_PORT: await freePort(),
    AUTH_PORT: await freePort(),
    CATALOG_PORT: await freePort(),
    CHECKOUT_PORT: await freePort(),
    SANDBOX_PORT: await freePort(),
    WORKER_PORT: await freePort(),
  }
  const child = Bun.spawn(['bun', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      // Blank values count as unset, so the defaults apply whatever the test runner had.
      ADMIN_EMAIL: '',
      ADMIN_PASSWORD: '',
      NODE_ENV: '',
      DEMO_BUYERS: '1',
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
    detached: true,
  })
  let output = ''
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true })
  }
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)])
  return {
    ports,
    exited: child.exited,
    output: () => output,
    /** The pid of the app running `apps/<name>/src/index.ts` under this command now. */
    appPid: (name: string) =>
      childrenOf(child.pid).find((pid) => commandLine(pid).includes(`apps/${name}/src/index.ts`)),
    /** Every process running `apps/<name>/src/index.ts` under this command now. */
    appPids: (name: string) =>
      childrenOf(child.pid).filter((pid) => commandLine(pid).includes(`apps/${name}/src/index.ts`)),
    ctrlC: () => process.kill(-child.pid, 'SIGINT'),
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL')
      await child.exited
      await collected
      // TEST_APP_LOGS=1 shows what the command printed, to debug a failing run.
      if (Bun.env.TEST_APP_LOGS) console.log(output)
    },
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number),
  )
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

/** Every process on the machine whose environment holds `entry`: ours carry the test's prefix. */
function processesWith(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)
      } catch {
        return false
      }
    })
    .map(Number)
}

async function answersHealth(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/health`, {
    signal: AbortSignal.timeout(1_000),
    // A new connection each time: the kernel picks which process of a shared port takes it.
    keepalive: false,
  })
  return response.ok
}

/** The command on a database of its own and `redis`'s prefix, once it says every app is up. */
async function startUp(redis: TestRedis, env: Record<string, string> = {}) {
  const database = await testDatabase()
  const start = await startCommand({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ...env,
  })
  const stopped = async () => {
    await start[Symbol.asyncDispose]()
    await database[Symbol.asyncDispose]()
  }
  try {
    await waitFor(() => start.output().includes('Flash-sale shop is up.'), {
      timeoutMs: 90_000,
      what: 'every app up',
    })
  } catch (error) {
    await stopped()
    throw error
  }
  return { ...start, [Symbol.asyncDispose]: stopped }
}

/** The demo buyer logged in through the gateway, buying from the sale the command seeded. */
async function buyerOf(
  start: { ports: { GATEWAY_PORT: number }; output: () => string },
  email = 'buyer1@flash.local',
) {
  const gateway = `http://127.0.0.1:${start.ports.GATEWAY_PORT}`
  const login = (await (
    await fetch(`${gateway}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'buyer-password' }),
    })
  ).json()) as { accessToken: string }
  const saleId = /"saleId":"([^"]+)"/.exec(start.output())?.[1]
  const authorization = `Bearer ${login.accessToken}`
  return {
    place: (idempotencyKey: string) =>
      fetch(`${gateway}/orders`, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ saleId, quantity: 1 }),
      }),
    status: async (orderId: string) =>
      (
        (await (
          await fetch(`${gateway}/orders/${orderId}`, { headers: { authorization } })
        ).json()) as {
          status: string
        }
      ).status,
  }
}

/** How many times `process` (its name in the logs) said it listens on `port`. */
function listenings(output: string, process: string, port: number): number {
  const said = new RegExp(
    `${process}\\s*\\x1b\\[0m\\| \\S+ listening on http://127\\.0\\.0\\.1:${port}$`,
    'gm',
  )
  return output.match(said)?.length ?? 0
}

describe('bun run start', () => {
  it('brings back an app killed with kill -9 while the rest keep serving, and Ctrl-C still stops every process with none restarted', async () => {
    await using redis = await testRedis()
    await using start = await startUp(redis)
    const killed = start.appPid('checkout')
    const gateway = start.appPid('gateway')
    if (killed === undefined) throw new Error(`no checkout process:\n${start.output()}`)

    process.kill(killed, 'SIGKILL')
    const restarted = await waitFor(
      () => {
        const pid = start.appPid('checkout')
        return pid !== undefined && pid !== killed && pid
      },
      { timeoutMs: 30_000, what: 'checkout running again' },
    )
    await waitFor(() => answersHealth(start.ports.CHECKOUT_PORT), {
      timeoutMs: 30_000,
      what: 'the new checkout answering /health',
    })
    const gatewayAfterwards = start.appPid('gateway')
    start.ctrlC()
    const code = await start.exited

    expect({
      code,
      restarted: restarted !== killed,
      gatewayKept: gatewayAfterwards === gateway,
      restarts: start.output().match(/^\[start\] .*restarting.*$/gm),
      left: processesWith(`REDIS_PREFIX=${redis.prefix}`),
    }).toEqual({
      code: 0,
      restarted: true,
      gatewayKept: true,
      restarts: [
        expect.stringMatching(
          /^\[start\] checkout was killed by SIGKILL after [\d.]+ s; restarting in 0\.5 s \(attempt 1\)$/,
        ),
      ],
      left: [],
    })
  }, 180_000)

  it('runs checkout inside each of two gateways with CHECKOUT_IN_PROCESS=yes: orders go through, both checkouts share its port, Ctrl-C stops all', async () => {
    await using redis = await testRedis()
    await using start = await startUp(redis, { CHECKOUT_IN_PROCESS: 'yes', GATEWAY_PROCESSES: '2' })
    const buyer = await buyerOf(start)
    const placed = await buyer.place('start-in-process')
    const checkoutAnswers = await answersHealth(start.ports.CHECKOUT_PORT)
    const checkoutProcess = start.appPid('checkout')
    const checkoutsListening = ['gateway-1', 'gateway-2'].map((name) =>
      listenings(start.output(), name, start.ports.CHECKOUT_PORT),
    )
    start.ctrlC()

    expect({
      placed: placed.status,
      checkoutAnswers,
      checkoutProcess,
      checkoutsListening,
      code: await start.exited,
      left: processesWith(`REDIS_PREFIX=${redis.prefix}`),
    }).toEqual({
      placed: 202,
      checkoutAnswers: true,
      checkoutProcess: undefined,
      checkoutsListening: [1, 1],
      code: 0,
      left: [],
    })
  }, 180_000)

  it('runs two checkouts, two gateways and two workers with CHECKOUT_PROCESSES=2 and the like: orders end paid or failed, and a checkout killed with kill -9 comes back while its sibling keeps serving', async () => {
    await using redis = await testRedis()
    await using start = await startUp(redis, {
      CHECKOUT_PROCESSES: '2',
      GATEWAY_PROCESSES: '2',
      WORKER_PROCESSES: '2',
      REDIS_PARTITIONS: '2',
      DEMO_BUYERS: '2',
    })
    const { CHECKOUT_PORT, GATEWAY_PORT } = start.ports
    const buyer = await buyerOf(start)
    // The sale allows two units a buyer: buyer1 holds both once the first orders are placed.
    const other = await buyerOf(start, 'buyer2@flash.local')
    const before = {
      checkouts: start.appPids('checkout').length,
      gateways: start.appPids('gateway').length,
      workers: start.appPids('worker').length,
      listening: ['checkout-1', 'checkout-2'].map((name) =>
        listenings(start.output(), name, CHECKOUT_PORT),
      ),
      gatewaysListening: ['gateway-1', 'gateway-2'].map((name) =>
        listenings(start.output(), name, GATEWAY_PORT),
      ),
      workerLines: start
        .output()
        .match(/worker worker-\d consuming \(partitions: [^)]*\)/g)
        ?.sort(),
    }
    const placed = [await buyer.place('several-1'), await buyer.place('several-2')]
    const orderIds = await Promise.all(
      placed.map(async (response) => ((await response.json()) as { orderId: string }).orderId),
    )
    const ended = await waitFor(
      async () => {
        const statuses = await Promise.all(orderIds.map((id) => buyer.status(id)))
        return statuses.every((status) => status === 'paid' || status === 'failed') && statuses
      },
      { timeoutMs: 30_000, what: 'both orders paid or failed' },
    )

    const [killed, sibling] = start.appPids('checkout')
    if (killed === undefined || sibling === undefined) throw new Error(start.output())
    process.kill(killed, 'SIGKILL')
    // The port still answers (the sibling's socket), and orders still go through the gateway.
    // Until the dead process has exited its socket is still in the port's group, and the
    // connections the kernel hands it are reset: the supervisor's line says it has exited.
    const restartLine = await waitFor(
      () => /^\[start\] (checkout-\d) was killed by SIGKILL.*$/m.exec(start.output()) ?? undefined,
      { what: 'the kill seen by the supervisor' },
    )
    await waitFor(() => answersHealth(CHECKOUT_PORT), { what: 'the checkout port answering' })
    let siblingAnswers = 0
    for (let i = 0; i < 20; i++) if (await answersHealth(CHECKOUT_PORT)) siblingAnswers++
    const placedMeanwhile = await waitFor(
      async () => (await other.place(`meanwhile-${crypto.randomUUID()}`)).status === 202,
      // The gateway's breaker may open on the dead process's connections: its pause is 10 s.
      { timeoutMs: 30_000, intervalMs: 500, what: 'an order accepted while one checkout is down' },
    )
    await waitFor(
      () => {
        const pids = start.appPids('checkout')
        return pids.length === 2 && !pids.includes(killed)
      },
      { timeoutMs: 30_000, what: 'the killed checkout running again' },
    )
    const restartedName = restartLine[1] as string
    await waitFor(() => listenings(start.output(), restartedName, CHECKOUT_PORT) === 2, {
      timeoutMs: 30_000,
      what: `${restartedName} listening again`,
    })
    const siblingKept = start.appPids('checkout').includes(sibling)
    start.ctrlC()

    expect({
      before,
      placed: placed.map((response) => response.status),
      ended: ended.length,
      siblingAnswers,
      placedMeanwhile,
      siblingKept,
      restarts: start.output().match(/^\[start\] .*restarting.*$/gm)?.length,
      code: await start.exited,
      left: processesWith(`REDIS_PREFIX=${redis.prefix}`),
    }).toEqual({
      before: {
        checkouts: 2,
        gateways: 2,
        workers: 2,
        listening: [1, 1],
        gatewaysListening: [1, 1],
        workerLines: [
          'worker worker-1 consuming (partitions: 0 of 2, worker 1 of 2, schedules: on)',
          'worker worker-2 consuming (partitions: 1 of 2, worker 2 of 2, schedules: off)',
        ],
      },
      placed: [202, 202],
      ended: 2,
      siblingAnswers: 20,
      placedMeanwhile: true,
      siblingKept: true,
      restarts: 1,
      code: 0,
      left: [],
    })
  }, 180_000)
})
