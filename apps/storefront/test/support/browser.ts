import { existsSync, mkdirSync } from 'node:fs'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'

/** Where every browser test leaves its screenshots (git ignores all but the README's). */
export const screenshotDir = new URL('../../screenshots/', import.meta.url).pathname

/** A phone held upright, and a laptop: the storefront must work on both. */
export const screens = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const

/**
 * Debian's Chromium, headless, driven by playwright-core. No browser is
 * ever downloaded: without /usr/bin/chromium the test fails, saying how to
 * install it, and never skips.
 *
 * @example
 * await using browser = await launchBrowser()
 * const page = await browser.page({ screen: 'phone' })
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: the storefront's browser tests need Debian's chromium (apt-get install -y chromium)`,
    )
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  const problems: string[] = []
  return {
    browser,
    /**
     * What went wrong inside the pages: uncaught errors, and anything the
     * Content-Security-Policy refused (a script or style the page needs
     * that the gateway's policy blocks). A test ends expecting none.
     */
    problems,
    /** A page in a context of its own: its own localStorage, so its own session. */
    async page(
      options: {
        screen?: keyof typeof screens
        setUp?: (context: BrowserContext) => Promise<void>
      } = {},
    ): Promise<Page> {
      const context = await browser.newContext({ viewport: screens[options.screen ?? 'desktop'] })
      await options.setUp?.(context)
      const page = await context.newPage()
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy'))
          problems.push(message.text())
      })
      // Every wait in these tests is for a condition, bounded by this.
      page.setDefaultTimeout(30_000)
      return page
    },
    async [Symbol.asyncDispose]() {
      await browser.close()
    },
  }
}

/**
 * Saves what the page shows as `screenshots/<name>.png`.
 *
 * @example
 * await screenshot(page, 'sale-live-phone')
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true })
}
