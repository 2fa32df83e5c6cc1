import { users } from '@flash/db'
import { createBuyers, type WholeStack, waitFor } from '@flash/testing'
import { eq } from 'drizzle-orm'

/** The password `createBuyers` gives every buyer. */
const PASSWORD = 'password123'

/**
 * A new buyer in the stack's database, with what it signs in with.
 *
 * @example
 * const credentials = await newBuyer(stack)
 * await client.session.login(credentials)
 */
export async function newBuyer(stack: WholeStack): Promise<{ email: string; password: string }> {
  const [id] = await createBuyers(stack.db, 1)
  const [row] = await stack.db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.id, id as string))
  if (!row) throw new Error('the buyer just created is not in the database')
  return { email: row.email, password: PASSWORD }
}

/**
 * The 6-digit code of the verification e-mail the sandbox received for `email`.
 *
 * @example
 * await client.session.verify({ email, code: await codeFromMail(stack, email) })
 */
export async function codeFromMail(stack: WholeStack, email: string): Promise<string> {
  const mail = await waitFor(
    async () => {
      const inbox = (await (await fetch(`${stack.urls.sandbox}/emails?to=${email}`)).json()) as {
        items: { subject: string }[]
      }
      return inbox.items[0]
    },
    { what: 'the verification e-mail', timeoutMs: 30_000 },
  )
  const code = /(\d{6})/.exec(mail.subject)?.[1]
  if (!code) throw new Error(`no code in the e-mail's subject: ${mail.subject}`)
  return code
}
