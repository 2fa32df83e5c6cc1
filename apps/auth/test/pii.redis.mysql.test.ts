import { describe, expect, it } from 'bun:test'
import { users } from '@flash/db'
import { eq, sql } from 'drizzle-orm'
import { createAccount } from '../src/modules/accounts/service.ts'
import { seedAccounts } from '../src/seed.ts'
import { hashPassword } from '../src/shared/password.ts'
import { rotatePii } from '../src/shared/pii/rotate.ts'
import {
  type Auth,
  postLogin,
  rawUser,
  sessionOf,
  startAuth,
  testKeyring,
  withToken,
} from './helpers.ts'

const repoRoot = new URL('../../..', import.meta.url).pathname
const jane = {
  name: 'Jane Q. Doe',
  phone: '+82 10-5555-0123',
  address: '42 Ciphertext Lane, Seoul',
}

/** An account with Jane's personal data, made by the app's own account-creation path. */
async function janeAccount(auth: Pick<Auth, 'database' | 'pii'>, keyring = auth.pii) {
  const email = `jane-${crypto.randomUUID().slice(0, 8)}@shop.example`
  const password = 'a long enough password'
  const created = await createAccount(
    { db: auth.database.db, pii: keyring },
    { email, passwordHash: await hashPassword(password), role: 'buyer', ...jane },
  )
  return { id: created._unsafeUnwrap().userId, email, password }
}

async function meOf(auth: Auth, account: { email: string; password: string }) {
  const session = sessionOf(await postLogin(auth.url, account))
  return withToken(auth.url, 'GET', '/auth/me', session.accessToken)
}

/** Every column of the row as `SELECT *` returns it, as one string. */
async function rawSelect(auth: Pick<Auth, 'database'>, id: string): Promise<string> {
  const [rows] = (await auth.database.db.execute(
    sql`select * from users where id = ${id}`,
  )) as unknown as [Record<string, unknown>[], unknown]
  return JSON.stringify(rows)
}

describe('personal data at rest', () => {
  it('holds only ciphertext in the row: a raw SELECT shows no name, phone or address', async () => {
    await using auth = await startAuth()
    const account = await janeAccount(auth)

    const raw = await rawSelect(auth, account.id)
    const row = await rawUser(auth, account.id)

    for (const plain of ['Jane', 'Doe', '5555', '0123', 'Ciphertext', 'Seoul'])
      expect(raw).not.toContain(plain)
    expect(raw).not.toContain('"name"')
    expect([row.nameEnc, row.phoneEnc, row.addressEnc]).toEqual([
      expect.stringMatching(/^v1\.t1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/),
      expect.stringMatching(/^v1\.t1\./),
      expect.stringMatching(/^v1\.t1\./),
    ])
    expect((await meOf(auth, account)).body).toMatchObject(jane)
  })

  it('refuses to answer from a tampered ciphertext, and logs which value and why', async () => {
    await using auth = await startAuth()
    const account = await janeAccount(auth)
    const row = await rawUser(auth, account.id)
    const [version, kid, iv, body = ''] = (row.nameEnc ?? '').split('.')
    const flipped = Buffer.from(body, 'base64url')
    flipped[2] = (flipped[2] ?? 0) ^ 0x20
    await auth.database.db
      .update(users)
      .set({ nameEnc: [version, kid, iv, flipped.toString('base64url')].join('.') })
      .where(eq(users.id, account.id))

    const reply = await meOf(auth, account)

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 500,
      body: {
        error: {
          code: 'internal',
          message: 'something went wrong on our side; it has been logged',
        },
      },
    })
    expect(auth.errors).toEqual([
      `[auth] cannot decrypt users.name_enc of user ${account.id}: authentication failed under key t1 (the value was altered, moved from another row, or encrypted under another key of that id)`,
    ])
  })

  it('refuses a ciphertext copied from another user’s row', async () => {
    await using auth = await startAuth()
    const victim = await janeAccount(auth)
    const attacker = await janeAccount(auth)
    const stolen = (await rawUser(auth, victim.id)).addressEnc
    await auth.database.db
      .update(users)
      .set({ addressEnc: stolen })
      .where(eq(users.id, attacker.id))

    const reply = await meOf(auth, attacker)

    expect(reply.status).toBe(500)
    expect(auth.errors[0]).toContain(
      `users.address_enc of user ${attacker.id}: authentication failed`,
    )
  })

  it('stores the seeded admin and demo buyers’ names encrypted, through the same path as signups', async () => {
    await using auth = await startAuth()

    await seedAccounts(
      { db: auth.database.db, pii: auth.pii },
      { adminEmail: 'root@flash.local', adminPassword: 'admin-secret', buyers: 1 },
    )
    const rows = await auth.database.db.select().from(users)

    expect(rows.map((row) => row.nameEnc)).toEqual([
      expect.stringMatching(/^v1\.t1\./),
      expect.stringMatching(/^v1\.t1\./),
    ])
    const me = await meOf(auth, { email: 'buyer1@flash.local', password: 'buyer-password' })
    expect((me.body as { name: string }).name).toBe('Demo Buyer 1')
  })
})

describe('key rotation', () => {
  it('re-encrypts every value under the current key; the old key can then be dropped', async () => {
    const old = testKeyring('old')
    const ring = testKeyring('new')
    const both = {
      current: ring.current,
      keys: new Map([...ring.keys, ...old.keys]),
    }
    await using before = await startAuth({ pii: old })
    const accounts = [await janeAccount(before), await janeAccount(before)]

    const report = await rotatePii(before.database.db, both, { batchSize: 1 })
    const again = await rotatePii(before.database.db, both)

    expect(report).toEqual({ rows: 2, rotated: 6, current: 0, raced: 0, failed: [] })
    expect(again).toEqual({ rows: 2, rotated: 0, current: 6, raced: 0, failed: [] })
    for (const account of accounts) {
      const row = await rawUser(before, account.id)
      expect(
        [row.nameEnc, row.phoneEnc, row.addressEnc].every((v) => v?.startsWith('v1.new.')),
      ).toBe(true)
    }
    // An app that holds only the new key reads everything.
    await using after = await startAuth({ pii: ring })
    await after.database.db.insert(users).values(await before.database.db.select().from(users))
    expect((await meOf(after, accounts[0] ?? { email: '', password: '' })).body).toMatchObject(jane)
  })

  it('runs as `bun apps/auth/src/rotate-pii.ts`, reports what it did, and exits 1 on an unreadable value', async () => {
    const old = testKeyring('old')
    const fresh = testKeyring('new')
    await using auth = await startAuth({ pii: old })
    const good = await janeAccount(auth)
    const bad = await janeAccount(auth)
    await auth.database.db
      .update(users)
      .set({ phoneEnc: 'v1.old.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
      .where(eq(users.id, bad.id))
    const keys = [fresh, old]
      .map((ring) => `${ring.current.id}:${ring.current.key.toString('base64')}`)
      .join(',')

    const run = Bun.spawn(['bun', 'apps/auth/src/rotate-pii.ts'], {
      cwd: repoRoot,
      env: { ...Bun.env, DATABASE_URL: auth.database.url, PII_KEYS: keys, NODE_ENV: '' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [out, errors, code] = await Promise.all([
      new Response(run.stdout).text(),
      new Response(run.stderr).text(),
      run.exited,
    ])

    expect(code).toBe(1)
    expect(out.trim()).toBe(
      'rotated 5 values to key new in 2 rows; 0 already current, 0 rows changed meanwhile (run again), 1 unreadable',
    )
    expect(errors).toContain(
      `cannot decrypt users.phone_enc of ${bad.id}: authentication failed under key old`,
    )
    expect((await rawUser(auth, good.id)).nameEnc).toStartWith('v1.new.')
  })
})
