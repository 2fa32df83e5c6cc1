import { describe, expect, it } from 'bun:test'
import { createBuyers, createSale, startWholeStack } from '@flash/testing'
import type { Page } from 'playwright-core'
import { accounts, buyThroughApi, logIn } from './support/accounts.ts'
import { launchBrowser, screenshot } from './support/browser.ts'

/** What a watching page shows: what is left, whether it may buy, and why not. */
async function shown(page: Page) {
  return {
    remaining: await page.locator('[data-remaining]').textContent(),
    buyEnabled: await page.locator('button.buy').isEnabled(),
    why: await page.locator('[data-why]').textContent(),
    // Set before the sale moved; a reload would have wiped it.
    sameDocument: await page.evaluate(() => 'watching' in globalThis),
  }
}

describe('a sale watched in the storefront', () => {
  it('counts down live on two pages while a third page and API buyers take the last units, and disables both buttons at 0 without a reload', async () => {
    await using stack = await startWholeStack({ payments: true })
    await using browser = await launchBrowser()
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 3,
      perUserLimit: 1,
    })
    const base = stack.urls.gateway
    const [phoneBuyer, desktopBuyer, thirdBuyer] = await accounts(stack, 3)
    const [apiBuyerA, apiBuyerB] = await createBuyers(stack.db, 2)
    if (!phoneBuyer || !desktopBuyer || !thirdBuyer || !apiBuyerA || !apiBuyerB)
      throw new Error('the fixtures made too few buyers')

    const phone = await browser.page({ screen: 'phone' })
    const desktop = await browser.page({ screen: 'desktop' })
    const third = await browser.page({ screen: 'desktop' })
    for (const [page, buyer] of [
      [phone, phoneBuyer],
      [desktop, desktopBuyer],
      [third, thirdBuyer],
    ] as const) {
      await logIn(page, base, buyer)
      await page.goto(`${base}/#/sales/${saleId}`)
      await page.locator('button.buy:enabled').waitFor()
    }
    for (const page of [phone, desktop])
      await page.evaluate(() => Object.assign(globalThis, { watching: true }))
    await screenshot(phone, 'sale-live-phone')
    await screenshot(desktop, 'sale-live-desktop')
    const before = await shown(phone)

    await third.locator('button.buy').click()
    await third.locator('[data-answer="won"]').waitFor()
    for (const page of [phone, desktop])
      await page.locator('[data-remaining]', { hasText: /^2$/ }).waitFor()
    const afterOne = await shown(desktop)
    await screenshot(desktop, 'sale-counting-down-desktop')

    expect(await buyThroughApi(stack, apiBuyerA, saleId)).toBe(202)
    expect(await buyThroughApi(stack, apiBuyerB, saleId)).toBe(202)
    for (const page of [phone, desktop]) {
      await page.locator('[data-remaining]', { hasText: /^0$/ }).waitFor()
      await page.locator('button.buy:disabled').waitFor()
    }
    await screenshot(phone, 'sale-sold-out-phone')
    await screenshot(desktop, 'sale-sold-out-desktop')

    const soldOut = { remaining: '0', buyEnabled: false, why: 'Sold out.', sameDocument: true }
    expect({
      before,
      afterOne,
      phone: await shown(phone),
      desktop: await shown(desktop),
    }).toEqual({
      before: { remaining: '3', buyEnabled: true, why: '', sameDocument: true },
      afterOne: { remaining: '2', buyEnabled: true, why: '', sameDocument: true },
      phone: soldOut,
      desktop: soldOut,
    })
    expect(browser.problems).toEqual([])
  }, 120_000)
})
