import type { Order, PaymentStatus } from '@flash/client'
import { fill, h, keyedList } from '../dom.ts'
import { money, when } from '../format.ts'
import { explain } from '../messages.ts'
import { type Client, type Mounted, repeat, type Shop } from '../shop.ts'

/** Often enough to see `pending` turn into `paid`, and a refund arrive, while one watches. */
const REFRESH_MS = 1_500

/** Where the money is, in words. */
const paymentWords: Record<PaymentStatus, string> = {
  pending: 'payment pending',
  charged: 'charged',
  declined: 'declined, nothing taken',
  refund_pending: 'refund pending',
  refunded: 'refunded',
  none: 'never charged',
}

/** `#/orders`: the buyer's orders, kept up to date while the page is open. */
export function ordersPage(shop: Shop): Mounted {
  if (!shop.viewer()) return signInFirst('My orders', '#/orders')
  const list = h('ul', { class: 'orders' })
  const problem = h('p', { class: 'problem', role: 'alert' })
  const orders = keyedList<Order>(
    list,
    (order) => order.id,
    (order) => orderCard(shop.client, order.id, () => void refresh()),
    updateOrderCard,
    () => h('li', { class: 'empty' }, 'No orders yet. ', h('a', { href: '#/' }, 'See the sales')),
  )
  const refresh = async () => {
    const listed = await shop.client.orders.list()
    problem.textContent = listed.isErr() ? explain(listed.error) : ''
    if (listed.isOk()) orders.set(listed.value.items)
  }
  const element = h(
    'section',
    {},
    h('h1', {}, 'My orders'),
    h('p', { class: 'note' }, 'An order placed a moment ago shows here within seconds.'),
    problem,
    list,
  )
  return { title: 'My orders', element, stop: repeat(refresh, REFRESH_MS) }
}

/** `#/orders/:id`: one order, right after it was placed, kept up to date. */
export function orderPage(shop: Shop, params: { id?: string }): Mounted {
  const orderId = params.id ?? ''
  if (!shop.viewer()) return signInFirst('Order', `#/orders/${encodeURIComponent(orderId)}`)
  const problem = h('p', { class: 'problem', role: 'alert' })
  const card = orderCard(shop.client, orderId, () => void refresh())
  const holder = h('ul', { class: 'orders single' }, h('li', {}, 'Loading the order…'))
  const refresh = async () => {
    const found = await shop.client.orders.get(orderId)
    problem.textContent = found.isErr() ? explain(found.error) : ''
    if (found.isErr()) return
    updateOrderCard(card, found.value)
    if (card.parentElement !== holder) fill(holder, card)
  }
  const element = h(
    'section',
    {},
    h('h1', {}, 'Your order'),
    problem,
    holder,
    h('p', {}, h('a', { href: '#/orders' }, 'All my orders')),
  )
  return { title: 'Your order', element, stop: repeat(refresh, REFRESH_MS) }
}

/**
 * An order's card: what was bought, its status, where the money is, and the
 * cancel and return buttons while the order allows them. `changed` runs
 * after either button's call, to show the new state at once.
 */
function orderCard(client: Client, orderId: string, changed: () => void): HTMLElement {
  const answer = h('p', { class: 'answer', role: 'status' })
  const act =
    (button: HTMLButtonElement, call: () => ReturnType<Client['orders']['cancel']>) => async () => {
      button.disabled = true
      const done = await call()
      answer.textContent = done.isErr() ? explain(done.error) : ''
      button.disabled = false
      changed()
    }
  const cancel = h('button', { type: 'button', class: 'cancel', hidden: true }, 'Cancel order')
  const ret = h('button', { type: 'button', class: 'return', hidden: true }, 'Request a return')
  cancel.addEventListener(
    'click',
    act(cancel, () => client.orders.cancel(orderId)),
  )
  ret.addEventListener(
    'click',
    act(ret, () => client.orders.requestReturn(orderId)),
  )
  return h(
    'li',
    { class: 'order', 'data-order': orderId },
    h(
      'h2',
      {},
      h('a', { href: `#/orders/${encodeURIComponent(orderId)}` }, `Order ${orderId.slice(-8)}`),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', { 'data-status': '' }),
      h('dt', {}, 'Money'),
      h('dd', { 'data-payment': '' }),
      h('dt', {}, 'Items'),
      h('dd', { 'data-items': '' }),
      h('dt', {}, 'Total'),
      h('dd', { 'data-total': '' }),
      h('dt', {}, 'Placed'),
      h('dd', { 'data-placed': '' }),
    ),
    h('p', { class: 'actions' }, cancel, ret),
    answer,
  )
}

function updateOrderCard(card: HTMLElement, order: Order): void {
  const set = (selector: string, value: string) => {
    const target = card.querySelector(selector)
    if (target && target.textContent !== value) target.textContent = value
  }
  set('[data-status]', order.status.replaceAll('_', ' '))
  set('[data-payment]', paymentWords[order.payment.status])
  set(
    '[data-items]',
    order.items.map((item) => `${item.quantity} × ${money(item.unitPrice)}`).join(', '),
  )
  set('[data-total]', money(order.total))
  set('[data-placed]', when(order.createdAt))
  card.dataset.orderStatus = order.status
  const cancel = card.querySelector<HTMLButtonElement>('button.cancel')
  const ret = card.querySelector<HTMLButtonElement>('button.return')
  // Cancelling stops before shipping starts; a return is for a delivered order (shared/API.md).
  if (cancel) cancel.hidden = !['pending', 'paid'].includes(order.status)
  if (ret) ret.hidden = order.status !== 'delivered'
}

function signInFirst(title: string, back: string): Mounted {
  return {
    title,
    element: h(
      'section',
      { class: 'narrow' },
      h('h1', {}, title),
      h(
        'p',
        {},
        h('a', { href: `#/login?next=${encodeURIComponent(back)}` }, 'Log in'),
        ' to see your orders.',
      ),
    ),
  }
}
