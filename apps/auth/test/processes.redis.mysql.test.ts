import { describe, expect, it } from 'bun:test'
import { users } from '@flash/db'
import { testDatabase } from '@flash/testing'
import { asc } from 'drizzle-orm'

const repoRoot = new URL('../../..', import.meta.url).pathname

/** Runs a script of this app as `bun run start` would, with only the given settings. */
function run(script: string, env: Record<string, string>) {
  return Bun.spawn(['bun', `apps/auth/src/${script}`], {
    cwd: repoRoot,
    // Blank values count as unset, so the defaults apply whatever the test runner had.
    env: { ...Bun.env, ADMIN_EMAIL: '', ADMIN_PASSWORD: '', DEMO_BUYERS: '', NODE_ENV: '', ...env },
    stdout: 'pipe',
    // A failing start-up explains itself in the test output.
    stderr: 'inherit',
  })
}

/** Reads stdout until a line matches, so the test waits for the event, not for time. */
async function waitForLine(stdout: ReadableStream<Uint8Array>, pattern: RegExp) {
  const decoder = new TextDecoder()
  let seen = ''
  for await (const chunk of stdout) {
    seen += decoder.decode(chunk, { stream: true })
    const match = seen.match(pattern)
    if (match) return match
  }
  throw new Error(`stdout ended without ${pattern}:\n${seen}`)
}

describe('bun apps/auth/src/index.ts', () => {
  it('serves on the port it announces and exits cleanly on SIGTERM', async () => {
    await using database = await testDatabase()
    const server = run('index.ts', { PORT: '0', DATABASE_URL: database.url })

    const [, url] = await waitForLine(server.stdout, /auth listening on (http:\/\/\S+)/)
    const ready = await fetch(`${url}/ready`)
    server.kill('SIGTERM')

    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { ready: true, checks: { mysql: true, redis: true } },
    })
    expect(await server.exited).toBe(0)
  })
})

describe('bun apps/auth/src/seed.ts', () => {
  it('prints the accounts and passwords it used and says which were defaults', async () => {
    await using database = await testDatabase()

    const seed = run('seed.ts', { DATABASE_URL: database.url, DEMO_BUYERS: '1' })
    const [output, code] = await Promise.all([new Response(seed.stdout).text(), seed.exited])

    expect(code).toBe(0)
    expect(output).toContain(
      'admin  admin@flash.local  password: admin-password-change-me  (created)',
    )
    expect(output).toContain('buyer  buyer1@flash.local  password: buyer-password  (created)')
    expect(output).toContain('defaults used for ADMIN_EMAIL, ADMIN_PASSWORD')
    const seeded = await database.db
      .select({ email: users.email, role: users.role })
      .from(users)
      .orderBy(asc(users.email))
    expect(seeded).toEqual([
      { email: 'admin@flash.local', role: 'admin' },
      { email: 'buyer1@flash.local', role: 'buyer' },
    ])
  })
})
