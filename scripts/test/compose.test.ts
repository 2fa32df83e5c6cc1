import { afterAll, describe, expect, it } from 'bun:test'
import {
  appOf,
  type ComposeFile,
  type ComposeService,
  loadCompose,
  repoApps,
  repoRoot,
  type Shell,
} from './deploy-files.ts'

const random = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')

/** What compose.yaml and README "Deploying" tell a production operator to set. */
const operator: Shell = {
  JWT_SECRET: random(32),
  SERVICE_TOKEN: random(32),
  PII_KEYS: `k1:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`,
  ADMIN_EMAIL: 'ops@shop.example',
  ADMIN_PASSWORD: random(16),
  MYSQL_ROOT_PASSWORD: random(16),
  PAYMENT_URL: 'https://payments.shop.example',
  RESEND_BASE_URL: 'https://api.resend.com',
  RESEND_API_KEY: `re_${random(16)}`,
  EMAIL_FROM: 'Shop <orders@shop.example>',
}
const development: Shell = { NODE_ENV: 'development', DEMO_BUYERS: '3' }

const production = await loadCompose(operator)
const services = Object.entries(production.services)
const apps = services.filter(([, service]) => appOf(service) !== undefined)
const inDefaultProfile = (service: ComposeService) => (service.profiles ?? []).length === 0

/**
 * The settings a service's process reads at start-up, read by its own env.ts
 * in a child process given exactly the service's environment; or the error
 * that stops it.
 */
function settingsOf(name: string, service: ComposeService) {
  const key = JSON.stringify([name, service.command, service.environment])
  const known = settingsRead.get(key)
  if (known) return known
  const read = readSettings(name, service)
  settingsRead.set(key, read)
  return read
}
const settingsRead = new Map<string, ReturnType<typeof readSettings>>()

async function readSettings(name: string, service: ComposeService) {
  const app = appOf(service)
  const reader = app
    ? {
        module: `${repoRoot}apps/${app}/src/env.ts`,
        // `env` where env.ts reads at import; else its read…Env function.
        read: `m.env ?? (m.read${app[0]?.toUpperCase()}${app.slice(1)}Env ?? m.readServerEnv)(Bun.env)`,
      }
    : name === 'migrate'
      ? { module: `${repoRoot}apps/auth/src/env.ts`, read: 'm.readSeedEnv(Bun.env).env' }
      : undefined
  if (!reader) throw new Error(`no reader for the settings of ${name}`)
  const script = `
    const m = await import(${JSON.stringify(reader.module)})
    const settings = ${reader.read}
    const plain = Object.entries(settings).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    console.log(JSON.stringify(Object.fromEntries(plain)))`
  const environment = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]),
  )
  const child = Bun.spawn(['bun', '-e', script], {
    cwd: repoRoot,
    env: { PATH: Bun.env.PATH, HOME: Bun.env.HOME, ...environment },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0) return { ok: false as const, error: err }
  return { ok: true as const, settings: JSON.parse(out) as Record<string, unknown> }
}

/** Loopback inside a container is the container itself, never another service. */
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0'])

/** Each URL setting of each app and the migrations, as its env.ts resolved it. */
async function urlSettings(compose: ComposeFile) {
  const found: { service: string; name: string; url: URL }[] = []
  for (const [name, service] of Object.entries(compose.services)) {
    if (!appOf(service) && name !== 'migrate') continue
    const read = await settingsOf(name, service)
    if (!read.ok) throw new Error(`${name} refused its settings: ${read.error}`)
    for (const [setting, value] of Object.entries(read.settings))
      if (typeof value === 'string' && /^[a-z]+:\/\//.test(value) && URL.canParse(value))
        found.push({ service: name, name: setting, url: new URL(value) })
  }
  return found
}

describe('compose.yaml', () => {
  it('runs every app of the repository, each from the one image by its own command', () => {
    expect(apps.map(([, service]) => appOf(service)).sort()).toEqual(repoApps())
    const built = services.filter(([, service]) => service.build !== undefined)
    expect(built.map(([name]) => name).sort()).toEqual(
      [...apps.map(([name]) => name), 'migrate'].sort(),
    )
    // The repository root: the Dockerfile's context.
    const images = new Set(built.map(([, s]) => JSON.stringify({ build: s.build, image: s.image })))
    expect([...images]).toEqual([JSON.stringify({ build: '.', image: 'flash-sale' })])
  })

  it('checks the /ready of every app and of the worker (on its METRICS_PORT)', async () => {
    for (const [name, service] of apps) {
      const read = await settingsOf(name, service)
      expect(read).toMatchObject({ ok: true })
      if (!read.ok) continue
      expect({ name, test: service.healthcheck?.test.slice(0, 3) }).toEqual({
        name,
        test: ['CMD', 'bun', '-e'],
      })
      // The check reads the container's METRICS_PORT (the worker) or PORT: the one it listens on.
      const listens = name === 'worker' ? read.settings.METRICS_PORT : read.settings.PORT
      expect({ name, port: Number(listens), host: read.settings.HOST }).toEqual({
        name,
        port: Number(service.environment?.METRICS_PORT ?? service.environment?.PORT),
        host: '0.0.0.0',
      })
    }
  })

  describe('the health check command', () => {
    const servers: ReturnType<typeof Bun.serve>[] = []
    afterAll(() => {
      for (const server of servers) server.stop(true)
    })
    const serve = (answer: (path: string) => number) => {
      const server = Bun.serve({
        port: 0,
        hostname: '127.0.0.1',
        fetch: (req) => new Response('{}', { status: answer(new URL(req.url).pathname) }),
      })
      servers.push(server)
      return server.port as number
    }
    const check = async (port: number) => {
      const [, ...command] = apps.find(([name]) => name === 'gateway')?.[1].healthcheck?.test ?? []
      const child = Bun.spawn(command, {
        env: { PATH: Bun.env.PATH, PORT: String(port) },
        stdout: 'ignore',
        stderr: 'ignore',
      })
      return child.exited
    }

    it('passes when /ready answers 200 and fails on 503, on another path only, or with nothing listening', async () => {
      const ready = serve((path) => (path === '/ready' ? 200 : 404))
      const notReady = serve((path) => (path === '/ready' ? 503 : 200))
      const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
      const closedPort = closed.port as number
      closed.stop(true)
      expect({
        ready: await check(ready),
        notReady: await check(notReady),
        closed: await check(closedPort),
      }).toEqual({ ready: 0, notReady: 1, closed: 1 })
    })

    it('is the same for every app that has one', () => {
      const checks = new Set(
        apps.flatMap(([, s]) => (s.healthcheck ? [JSON.stringify(s.healthcheck)] : [])),
      )
      expect(checks.size).toBe(1)
    })
  })

  it('starts each app once the migrations ran and what it calls is healthy', async () => {
    const healthy = new Set(services.filter(([, s]) => s.healthcheck).map(([name]) => name))
    for (const { service, url } of await urlSettings(production)) {
      const dependsOn = production.services[service]?.depends_on ?? {}
      const host = url.hostname
      // The operator's payment provider and Resend are outside compose.
      if (!(host in production.services)) continue
      expect({ service, host, condition: dependsOn[host]?.condition }).toEqual({
        service,
        host,
        condition: healthy.has(host) ? 'service_healthy' : expect.any(String),
      })
      if (url.protocol === 'mysql:' && service !== 'migrate')
        expect({ service, migrate: dependsOn.migrate?.condition }).toEqual({
          service,
          migrate: 'service_completed_successfully',
        })
    }
    for (const [name, service] of services)
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {}))
        expect({ name, dependency, condition }).toEqual({
          name,
          dependency,
          condition:
            dependency === 'migrate' ? 'service_completed_successfully' : 'service_healthy',
        })
  })

  it('restarts every long-running service and runs the migrations once', () => {
    for (const [name, service] of services)
      expect({ name, restart: service.restart }).toEqual({
        name,
        restart: name === 'migrate' ? 'no' : 'unless-stopped',
      })
  })

  it('keeps Redis durable: an append-only file in a volume, and no eviction', () => {
    const redis = production.services.redis as ComposeService
    const args = (redis.command ?? []).join(' ')
    expect(args).toContain('--appendonly yes')
    expect(args).toContain('--maxmemory-policy noeviction')
    expect(redis.volumes?.some((volume) => volume.endsWith(':/data'))).toBe(true)
  })

  it('runs the sandbox only in development, and nothing of production depends on it', async () => {
    expect(production.services.sandbox?.profiles).toEqual(['dev'])
    for (const [name, service] of services.filter(([, s]) => inDefaultProfile(s)))
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect({
          name,
          dependency,
          default: inDefaultProfile(production.services[dependency] ?? {}),
        }).toEqual({ name, dependency, default: true })
    const sandboxUsers = (await urlSettings(production)).filter((u) => u.url.hostname === 'sandbox')
    expect(sandboxUsers).toEqual([])
  })

  it('gives every app in production the settings its env.ts demands, and no loopback address', async () => {
    for (const [name, service] of [...apps, ['migrate', production.services.migrate]] as const) {
      const read = await settingsOf(name, service as ComposeService)
      expect({ name, ok: read.ok, error: read.ok ? undefined : read.error }).toEqual({
        name,
        ok: true,
        error: undefined,
      })
      if (!read.ok) continue
      for (const secret of ['JWT_SECRET', 'SERVICE_TOKEN', 'ADMIN_PASSWORD'] as const)
        if (secret in read.settings)
          expect({ name, [secret]: read.settings[secret] }).toEqual({
            name,
            [secret]: operator[secret],
          })
      expect({ name, NODE_ENV: read.settings.NODE_ENV ?? 'production' }).toEqual({
        name,
        NODE_ENV: name === 'sandbox' ? 'development' : 'production',
      })
    }
    for (const compose of [production, await loadCompose(development)])
      for (const { service, name, url } of await urlSettings(compose)) {
        expect({ service, name, loopback: loopback.has(url.hostname) }).toEqual({
          service,
          name,
          loopback: false,
        })
        const target = compose.services[url.hostname]
        if (target?.environment?.PORT !== undefined)
          expect({ service, name, port: url.port }).toEqual({
            service,
            name,
            port: String(target.environment.PORT),
          })
      }
  })

  /**
   * Who refuses the public development default of each secret in production
   * (packages/config, auth's env.ts); others may be handed one they need only
   * for an optional part.
   */
  const holders = {
    JWT_SECRET: ['auth', 'catalog', 'checkout', 'gateway'],
    SERVICE_TOKEN: ['auth', 'catalog', 'checkout', 'gateway'],
    PII_KEYS: ['auth', 'migrate'],
    ADMIN_PASSWORD: ['migrate'],
  }

  it.each(Object.entries(holders))(
    'stops every service that holds %s in production while the operator leaves it unset',
    async (secret, expected) => {
      const compose = await loadCompose({ ...operator, [secret]: undefined })
      const holding = Object.entries(compose.services).filter(
        ([, s]) => secret in (s.environment ?? {}),
      )
      expect(holding.map(([name]) => name)).toEqual(expect.arrayContaining(expected))
      for (const [name, service] of holding.filter(([name]) => expected.includes(name))) {
        const read = await settingsOf(name, service)
        expect({ name, refused: read.ok ? '' : read.error }).toEqual({
          name,
          refused: expect.stringContaining(`${secret} must be set`),
        })
      }
    },
  )

  it('needs no variable to start Redis and MySQL alone (`docker compose up -d redis mysql`)', async () => {
    const bare = await loadCompose({})
    expect(bare.services.redis?.profiles).toBeUndefined()
    expect(bare.services.mysql?.profiles).toBeUndefined()
    expect(Object.keys(bare.services.redis?.depends_on ?? {})).toEqual([])
    expect(Object.keys(bare.services.mysql?.depends_on ?? {})).toEqual([])
  })

  it('names every variable it reads in README "Deploying"', async () => {
    const text = await Bun.file(`${repoRoot}compose.yaml`).text()
    const withoutComments = text.replace(/^\s*#.*$/gm, '')
    const names = new Set(
      [...withoutComments.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string),
    )
    const readme = await Bun.file(`${repoRoot}README.md`).text()
    const section = /\n## Deploying\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? ''
    expect([...names].filter((name) => !section.includes(`\`${name}\``))).toEqual([])
  })
})
