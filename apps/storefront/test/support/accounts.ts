import { orders, users } from '@flash/db'
import { createBuyers, testTokens, type WholeStack } from '@flash/testing'
import { eq, inArray } from 'drizzle-orm'
import type { Page } from 'playwright-core'

/** What createBuyers gives every buyer it makes. */
const FIXTURE_PASSWORD = 'password123'

export type Account = { id: string; email: string; password: string }

/**
 * Buyers who can log in through the page, made straight in the stack's
 * database (a signup per buyer would test signing up again and again).
 *
 * @example
 * const [alice, bob] = await accounts(stack, 2)
 */
export async function accounts(
  stack: WholeStack,
  count: number,
  role: 'buyer' | 'admin' = 'buyer',
): Promise<Account[]> {
  const ids = await createBuyers(stack.db, count)
  if (role === 'admin') await stack.db.update(users).set({ role }).where(inArray(users.id, ids))
  const rows = await stack.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.id, ids))
  return ids.map((id) => ({
    id,
    email: rows.find((row) => row.id === id)?.email ?? '',
    password: FIXTURE_PASSWORD,
  }))
}

/**
 * Logs in through the storefront's form, as a person would, and waits
 * until the page shows who is signed in.
 *
 * @example
 * await logIn(page, stack.urls.gateway, alice)
 */
export async function logIn(page: Page, base: string, account: Account): Promise<void> {
  await page.goto(`${base}/#/login`)
  await page.getByLabel('Email').fill(account.email)
  await page.getByLabel('Password').fill(account.password)
  await page.getByLabel('Password').press('Enter')
  await page.locator('nav .email', { hasText: account.email }).waitFor()
}

/**
 * Buys through the API, as a buyer with no browser would: a crowd the
 * pages under test only hear of through the event stream.
 *
 * @example
 * expect(await buyThroughApi(stack, buyerId, saleId)).toBe(202)
 */
export async function buyThroughApi(
  stack: WholeStack,
  buyerId: string,
  saleId: string,
): Promise<number> {
  const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
  const answer = await fetch(`${stack.urls.gateway}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ saleId, quantity: 1 }),
  })
  return answer.status
}

/** The ids of the orders a user has in MySQL. */
export async function storedOrders(stack: WholeStack, userId: string): Promise<string[]> {
  const rows = await stack.db
    .select({ id: orders.id })
    .from(orders)
    .where(eq(orders.userId, userId))
  return rows.map((row) => row.id)
}

/** The id of the account an address signed up for. */
export async function userIdOf(stack: WholeStack, email: string): Promise<string | undefined> {
  const [row] = await stack.db.select({ id: users.id }).from(users).where(eq(users.email, email))
  return row?.id
}
