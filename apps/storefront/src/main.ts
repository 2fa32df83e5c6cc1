import { createClient, webStorageSessionStore } from '@flash/client'
import { fill, h } from './dom.ts'
import { adminPage } from './pages/admin.ts'
import { orderPage, ordersPage } from './pages/orders.ts'
import { salePage } from './pages/sale.ts'
import { salesPage } from './pages/sales.ts'
import { loginPage, signupPage, verifyPage } from './pages/sign-in.ts'
import type { Mounted, Page, Shop } from './shop.ts'
import { rememberEmail, viewerOf } from './viewer.ts'

const routes: [RegExp, Page][] = [
  [/^\/$/, salesPage],
  [/^\/sales\/([^/]+)$/, salePage],
  [/^\/login$/, loginPage],
  [/^\/signup$/, signupPage],
  [/^\/verify$/, verifyPage],
  [/^\/orders$/, ordersPage],
  [/^\/orders\/([^/]+)$/, orderPage],
  [/^\/admin$/, adminPage],
]

/** How often the offset to the server's clock is measured again (drift, a changed system clock). */
const CLOCK_SYNC_MS = 60_000
const CLOCK_RETRY_MS = 2_000

const client = createClient(location.origin, { session: webStorageSessionStore(localStorage) })
const main = document.getElementById('main') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
let current: Mounted | undefined
let signedIn = client.session.current() !== null

const shop: Shop = {
  client,
  viewer: () => viewerOf(client.session.current()),
  rememberEmail,
  go: (hash) => {
    if (location.hash === hash) show({ focus: true })
    else location.hash = hash
  },
}

/** Mounts the page the hash names; hashes that are not routes (`#main`, the skip link) leave it be. */
function show({ focus }: { focus: boolean }) {
  const hash = location.hash.slice(1) || '/'
  if (!hash.startsWith('/') && current) return
  const [path = '/', query = ''] = hash.split('?', 2)
  const params = new URLSearchParams(query) as URLSearchParams & { id?: string }
  const found = routes.find(([pattern]) => pattern.test(path))
  current?.stop?.()
  if (!found) {
    current = notFound()
  } else {
    const [pattern, page] = found
    const id = pattern.exec(path)?.[1]
    if (id !== undefined) params.id = decodeURIComponent(id)
    current = page(shop, params)
  }
  document.title = `${current.title} · Flash sale`
  fill(main, current.element)
  renderNav(path)
  // A keyboard or screen-reader user lands on the new page, not on the link they left.
  if (focus) main.focus()
}

function renderNav(path: string) {
  const viewer = shop.viewer()
  const link = (href: string, text: string) =>
    h('a', { href, 'aria-current': `#${path}` === href ? 'page' : undefined }, text)
  fill(
    nav,
    link('#/', 'Sales'),
    viewer && link('#/orders', 'My orders'),
    viewer?.role === 'admin' && link('#/admin', 'Admin'),
    viewer
      ? h(
          'span',
          { class: 'who' },
          h('span', { class: 'email' }, viewer.email ?? 'Signed in'),
          h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                await client.session.logout()
                rememberEmail(null)
                shop.go('#/')
              },
            },
            'Log out',
          ),
        )
      : h('span', { class: 'who' }, link('#/login', 'Log in'), link('#/signup', 'Sign up')),
  )
}

function notFound(): Mounted {
  return {
    title: 'Not found',
    element: h(
      'section',
      {},
      h('h1', {}, 'Nothing here'),
      h('p', {}, h('a', { href: '#/' }, 'See the sales')),
    ),
  }
}

function sessionChanged() {
  const now = client.session.current() !== null
  if (now === signedIn) return
  signedIn = now
  // The page shows what a signed-in buyer sees, or asks them to log in: draw it again.
  show({ focus: false })
}
client.session.onChange(sessionChanged)
// Another tab logged in or out: the store is shared, the client's listeners are per tab.
window.addEventListener('storage', sessionChanged)

// The countdowns and the buy button follow the server's clock, not this device's.
async function keepClockSynced() {
  await client.clock.sync()
  setTimeout(keepClockSynced, client.clock.synced() ? CLOCK_SYNC_MS : CLOCK_RETRY_MS)
}
void keepClockSynced()

window.addEventListener('hashchange', () => show({ focus: true }))
show({ focus: false })
