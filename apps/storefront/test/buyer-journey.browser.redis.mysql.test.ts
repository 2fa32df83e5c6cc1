import { describe, expect, it } from 'bun:test'
import { createSale, startWholeStack, waitFor } from '@flash/testing'
import { storedOrders, userIdOf } from './support/accounts.ts'
import { launchBrowser, screenshot } from './support/browser.ts'

type Email = { text: string | null }

describe('a new buyer in the storefront', () => {
  it('signs up with the e-mailed code, logs in, buys (a lost answer retried with the same key buys once), sees paid, cancels, sees the refund, and logs out', async () => {
    await using stack = await startWholeStack({ payments: true })
    await using browser = await launchBrowser()
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 5,
      perUserLimit: 2,
      price: 49_000,
    })
    const base = stack.urls.gateway
    const email = `new.${crypto.randomUUID().slice(0, 8)}@shop.example`
    const page = await browser.page({ screen: 'phone' })

    await page.goto(`${base}/`)
    await page.getByRole('link', { name: 'Sign up' }).click()
    await page.getByLabel('Name').fill('Nina New')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel(/^Password/).fill('a long enough password')
    await page.getByRole('button', { name: 'Send me a code' }).click()
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor()

    const mail = await waitFor(
      async () => {
        const inbox = await fetch(`${stack.urls.sandbox}/emails?to=${encodeURIComponent(email)}`)
        const { items } = (await inbox.json()) as { items: Email[] }
        return items[0]
      },
      { what: 'the verification e-mail in the sandbox', timeoutMs: 30_000 },
    )
    const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1] ?? ''
    await page.getByRole('textbox', { name: 'Code' }).fill(code)
    await page.getByRole('button', { name: 'Create my account' }).click()

    await page.getByText('Your account is ready').waitFor()
    expect(await page.getByLabel('Email').inputValue()).toBe(email)
    await page.getByLabel('Password').fill('a long enough password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.locator('nav .email', { hasText: email }).waitFor()

    // The first try reaches checkout, which takes the order, but its answer never comes back.
    const keys: string[] = []
    await page.route('**/orders', async (route) => {
      const request = route.request()
      if (request.method() !== 'POST') return route.continue()
      keys.push(request.headers()['idempotency-key'] ?? '')
      if (keys.length > 1) return route.continue()
      await route.fetch()
      await route.abort('connectionreset')
    })
    await page.locator(`[data-sale="${saleId}"] a`).click()
    await page.locator('button.buy:enabled').click()
    await page.locator('[data-answer="try-again"]').waitFor()
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.locator('[data-answer="won"]').waitFor()

    await page.getByRole('link', { name: 'See your order' }).click()
    const order = page.locator('li.order')
    await order.locator('[data-status]', { hasText: /^paid$/ }).waitFor()
    await order.locator('[data-payment]', { hasText: /^charged$/ }).waitFor()
    await screenshot(page, 'order-paid-phone')

    await order.getByRole('button', { name: 'Cancel order' }).click()
    await order.locator('[data-status]', { hasText: /^cancelled$/ }).waitFor()
    await order.locator('[data-payment]', { hasText: /^refunded$/ }).waitFor()
    await screenshot(page, 'order-refunded-phone')

    const orderId = await order.getAttribute('data-order')
    await page.getByRole('button', { name: 'Log out' }).click()
    // The order page offers a log-in link of its own once signed out: the header's is the one meant.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Log in' })
      .waitFor()
    await page.goto(`${base}/#/orders`)
    const afterLogout = await page.getByRole('main').textContent()

    const userId = (await userIdOf(stack, email)) ?? ''
    const stored = await waitFor(async () => {
      const ids = await storedOrders(stack, userId)
      return ids.length > 0 && ids
    })
    expect({
      sameKeyOnRetry: keys.length === 2 && keys[0] === keys[1] && keys[0] !== '',
      stored,
      afterLogout,
      problems: browser.problems,
    }).toEqual({
      sameKeyOnRetry: true,
      stored: [orderId ?? 'the page shows no order'],
      afterLogout: 'My ordersLog in to see your orders.',
      problems: [],
    })
  }, 120_000)
})
