import { describe, expect, it } from 'bun:test'
import { startWholeStack } from '@flash/testing'
import { accounts, logIn } from './support/accounts.ts'
import { launchBrowser, screenshot } from './support/browser.ts'

type Sale = {
  name: string
  price: number
  quantity: number
  remaining: number
  perUserLimit: number
  buckets: number
}

describe('an admin in the storefront', () => {
  it('creates a product and a flash sale split in three buckets from the keyboard-usable forms, and sees the sale listed with what is left', async () => {
    await using stack = await startWholeStack({ partitions: 3 })
    await using browser = await launchBrowser()
    const [admin] = await accounts(stack, 1, 'admin')
    const [buyer] = await accounts(stack, 1)
    if (!admin || !buyer) throw new Error('the fixtures made too few accounts')
    const base = stack.urls.gateway
    const name = `Limited jacket ${crypto.randomUUID().slice(0, 6)}`

    // A buyer is shown no way in.
    const buyerPage = await browser.page({ screen: 'phone' })
    await logIn(buyerPage, base, buyer)
    const buyerSeesAdminLink = await buyerPage.getByRole('link', { name: 'Admin' }).count()

    const page = await browser.page({ screen: 'desktop' })
    await logIn(page, base, admin)
    await page.getByRole('link', { name: 'Admin' }).click()
    const product = page.getByRole('form', { name: 'New product' })
    await product.getByLabel('Name').fill(name)
    await product.getByLabel('Description').fill('Made by the admin test')
    await product.getByLabel('Price (₩)').fill('120000')
    await product.getByLabel('Stock').fill('40')
    await product.getByLabel('Stock').press('Enter')
    await product.getByText(`Product “${name}” created.`).waitFor()

    const sale = page.getByRole('form', { name: 'New flash sale' })
    // The new product is chosen for the sale already.
    await sale
      .getByLabel('Product')
      .locator('option:checked', { hasText: name })
      .waitFor({ state: 'attached' })
    await sale.getByLabel('Sale price (₩)').fill('99000')
    await sale.getByLabel('Units on sale').fill('25')
    await sale.getByLabel('Most units per buyer').fill('2')
    await sale.getByLabel('Buckets').fill('3')
    await sale.getByRole('button', { name: 'Create flash sale' }).click()
    await sale.getByText(/^Flash sale created: 25 units/).waitFor()
    const card = page.locator('li.card', { hasText: name })
    await card.locator('.remaining', { hasText: '25 of 25 left' }).waitFor()
    await card.locator('.time', { hasText: /^Starts in / }).waitFor()
    await screenshot(page, 'admin-desktop')

    const listed = (await (await fetch(`${base}/sales?status=upcoming`)).json()) as {
      items: Sale[]
    }
    expect({
      buyerSeesAdminLink,
      stored: listed.items
        .filter((item) => item.name === name)
        .map(({ price, quantity, remaining, perUserLimit, buckets }) => ({
          price,
          quantity,
          remaining,
          perUserLimit,
          buckets,
        })),
      problems: browser.problems,
    }).toEqual({
      buyerSeesAdminLink: 0,
      stored: [{ price: 99_000, quantity: 25, remaining: 25, perUserLimit: 2, buckets: 3 }],
      problems: [],
    })
  }, 120_000)
})
