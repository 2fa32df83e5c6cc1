import { describe, expect, it } from 'bun:test'
import { createSale, startWholeStack } from '@flash/testing'
import type { Page } from 'playwright-core'
import { accounts, logIn } from './support/accounts.ts'
import { launchBrowser, screenshot } from './support/browser.ts'

const HOUR = 3_600_000
/** Long enough to log in two buyers and see both pages before the start. */
const LEAD_MS = 20_000
/**
 * How much before the server's start a page may open: the clock sync's
 * error is at most half a round trip on the loopback, milliseconds. A page
 * on its own clock would open an hour early, or an hour late.
 */
const EARLY_TOLERANCE_MS = 1_000

describe('the buy button and the server clock', () => {
  it("opens at the server's start time on pages whose own clocks are an hour ahead and an hour behind, and the purchase is taken", async () => {
    await using stack = await startWholeStack({ payments: true })
    await using browser = await launchBrowser()
    const startsAt = Date.now() + LEAD_MS
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 5,
      perUserLimit: 1,
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + HOUR),
    })
    const base = stack.urls.gateway
    const buyers = await accounts(stack, 2)
    const pages: Page[] = []
    for (const [i, offset] of [HOUR, -HOUR].entries()) {
      const page = await browser.page({
        screen: i === 0 ? 'phone' : 'desktop',
        // The device's clock runs, an hour off the server's.
        setUp: (context) => context.clock.install({ time: Date.now() + offset }),
      })
      const buyer = buyers[i]
      if (!buyer) throw new Error('the fixtures made too few buyers')
      await logIn(page, base, buyer)
      await page.goto(`${base}/#/sales/${saleId}`)
      await page.locator('[data-countdown]', { hasText: /^Starts in / }).waitFor()
      pages.push(page)
    }
    const [ahead, behind] = pages as [Page, Page]
    const beforeStart = {
      ahead: await ahead.locator('button.buy').isEnabled(),
      behind: await behind.locator('button.buy').isEnabled(),
      why: await ahead.locator('[data-why]').textContent(),
    }
    await screenshot(ahead, 'sale-countdown-phone')
    // Seen before the start, or the test proves nothing: the lead was too short for this machine.
    expect(Date.now()).toBeLessThan(startsAt)

    const opened: Record<string, number> = {}
    await Promise.all(
      [
        ['ahead', ahead],
        ['behind', behind],
      ].map(async ([name, page]) => {
        await (page as Page).locator('button.buy:enabled').waitFor({ timeout: LEAD_MS + 30_000 })
        opened[name as string] = Date.now()
      }),
    )
    // Bought from the keyboard: Tab from the quantity reaches the button, Enter presses it.
    for (const page of pages) {
      await page.getByLabel('Quantity').focus()
      await page.keyboard.press('Tab')
      await page.keyboard.press('Enter')
      await page.locator('[data-answer]').waitFor()
    }
    await screenshot(ahead, 'sale-opened-phone')

    expect({
      beforeStart,
      openedNotEarly: {
        ahead: (opened.ahead ?? 0) >= startsAt - EARLY_TOLERANCE_MS,
        behind: (opened.behind ?? 0) >= startsAt - EARLY_TOLERANCE_MS,
      },
      answers: await Promise.all(
        pages.map((page) => page.locator('[data-answer]').getAttribute('data-answer')),
      ),
    }).toEqual({
      beforeStart: { ahead: false, behind: false, why: 'Buying opens when the countdown ends.' },
      openedNotEarly: { ahead: true, behind: true },
      answers: ['won', 'won'],
    })
    expect(browser.problems).toEqual([])
  }, 120_000)
})
