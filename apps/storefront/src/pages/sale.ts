import { type ApiError, isRetryable, type Purchase, type Sale } from '@flash/client'
import { field, fill, h } from '../dom.ts'
import { countdown, money, when } from '../format.ts'
import { explain } from '../messages.ts'
import { phaseAt } from '../sale-phase.ts'
import { type Mounted, repeat, type Shop } from '../shop.ts'
import { unitsHeld } from './held-units.ts'

/** Often enough that the countdown and the button turn within a quarter of a second of the moment. */
const TICK_MS = 250

/**
 * `#/sales/:id`: one sale, its countdown on the server's clock, what is left
 * as the event stream tells it, and the buy button.
 */
export function salePage(shop: Shop, params: { id?: string }): Mounted {
  const saleId = params.id ?? ''
  const element = h('section', { class: 'sale' }, h('p', {}, 'Loading the sale…'))
  let stop: (() => void) | undefined
  let left = false
  void shop.client.catalog.sale(saleId).then((answer) => {
    if (left) return
    if (answer.isErr()) {
      fill(
        element,
        h(
          'h1',
          {},
          answer.error.code === 'not_found' ? 'No such sale' : 'The sale could not be loaded',
        ),
        h('p', { role: 'alert' }, explain(answer.error)),
        h('p', {}, h('a', { href: '#/' }, 'See every sale')),
      )
      return
    }
    stop = showSale(shop, element, answer.value)
  })
  return {
    title: 'Sale',
    element,
    stop: () => {
      left = true
      stop?.()
    },
  }
}

function showSale(shop: Shop, element: HTMLElement, sale: Sale): () => void {
  const { client } = shop
  const live = { remaining: sale.remaining, connected: false }
  let held = 0
  let busy = false
  /** The purchase whose answer was not heard: trying again must send the same key. */
  let unanswered: Purchase | null = null

  const remaining = h('strong', { 'data-remaining': '' }, String(sale.remaining))
  const clock = h('p', { class: 'countdown', 'data-countdown': '' })
  const connection = h('span', { class: 'connection' })
  const quantity = h('input', {
    name: 'quantity',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    value: 1,
    required: true,
  })
  const button = h('button', { type: 'submit', class: 'buy', disabled: true }, 'Buy now')
  const why = h('p', { class: 'why', 'data-why': '' })
  const answer = h('div', { class: 'answer', role: 'status', 'aria-live': 'polite', tabindex: -1 })
  const form = h(
    'form',
    {
      class: 'buy-form',
      onsubmit: (event: Event) => {
        event.preventDefault()
        void buy()
      },
    },
    field('Quantity', quantity),
    button,
    why,
  )
  fill(
    element,
    h('h1', {}, sale.name),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Price'),
      h('dd', {}, money(sale.price)),
      h('dt', {}, 'Left'),
      h('dd', {}, remaining, ` of ${sale.quantity} `, connection),
      h('dt', {}, 'Per buyer'),
      h('dd', {}, `up to ${sale.perUserLimit}`),
      h('dt', {}, 'Window'),
      h('dd', {}, `${when(sale.startsAt)} – ${when(sale.endsAt)}`),
    ),
    clock,
    form,
    answer,
  )

  const draw = () => {
    const now = client.clock.now()
    const phase = phaseAt(sale, now)
    // Nothing that hangs on the server's time opens before the offset to it is known.
    const synced = client.clock.synced()
    const signedIn = shop.viewer() !== null
    const mayHold = sale.perUserLimit - held
    clock.textContent = !synced
      ? 'Checking the time with the shop…'
      : phase === 'upcoming'
        ? `Starts in ${countdown(Date.parse(sale.startsAt) - now)}`
        : phase === 'live'
          ? `Ends in ${countdown(Date.parse(sale.endsAt) - now)}`
          : `Ended ${when(sale.endsAt)}`
    remaining.textContent = String(live.remaining)
    connection.textContent = live.connected ? '(live)' : '(reconnecting…)'
    const reason = busy
      ? 'Placing your order…'
      : unanswered
        ? null // the same order again, whatever happened since: its key makes it safe
        : !signedIn
          ? 'Log in to buy.'
          : !synced
            ? 'Checking the time with the shop…'
            : phase === 'upcoming'
              ? 'Buying opens when the countdown ends.'
              : phase === 'ended'
                ? 'This sale has ended.'
                : live.remaining <= 0
                  ? 'Sold out.'
                  : mayHold <= 0
                    ? `You hold ${held}, the most one buyer may.`
                    : null
    button.disabled = reason !== null
    button.textContent = unanswered ? 'Try again' : 'Buy now'
    quantity.disabled = reason !== null || unanswered !== null
    quantity.max = String(Math.max(1, Math.min(mayHold, live.remaining)))
    if (why.textContent !== (reason ?? '')) {
      if (reason === 'Log in to buy.')
        fill(why, h('a', { href: `#/login?next=${encodeURIComponent(location.hash)}` }, reason))
      else why.textContent = reason ?? ''
    }
  }

  const buy = async () => {
    if (busy) return
    const units = Number(quantity.value)
    unanswered ??= client.orders.purchase({ saleId: sale.id, quantity: units })
    const purchase = unanswered
    busy = true
    draw()
    const placed = await purchase.place()
    busy = false
    if (placed.isOk()) {
      unanswered = null
      held += units
      showAnswer('won', [
        h('strong', {}, 'You got it!'),
        ` Order ${placed.value.orderId.slice(-8)} is placed; payment follows. `,
        h('a', { href: `#/orders/${encodeURIComponent(placed.value.orderId)}` }, 'See your order'),
      ])
    } else if (isRetryable(placed.error)) {
      showAnswer('try-again', [
        h('strong', {}, 'Try again.'),
        ` ${explain(placed.error)} Trying again sends the same order, so it can never buy twice.`,
      ])
    } else {
      unanswered = null
      refused(placed.error)
    }
    draw()
    // The button was disabled while the order was in flight, which took the focus from it.
    if (document.activeElement === document.body || document.activeElement === null)
      (button.disabled ? answer : button).focus()
  }

  const refused = (error: ApiError) => {
    switch (error.code) {
      case 'sold_out':
        live.remaining = 0
        return showAnswer('sold-out', [h('strong', {}, 'Sold out.'), ' Every unit has been taken.'])
      case 'limit_reached':
        held = Math.max(held, sale.perUserLimit)
        return showAnswer('limit-reached', [
          h('strong', {}, 'Limit reached.'),
          ` One buyer may hold ${sale.perUserLimit} of this sale.`,
        ])
      case 'sale_not_started':
        // This device's idea of the server's time was off: measure it again.
        void client.clock.sync()
        return showAnswer('not-started', [
          h('strong', {}, 'Not started yet.'),
          ` Buying opens at ${when(sale.startsAt)}.`,
        ])
      case 'sale_ended':
        return showAnswer('ended', [h('strong', {}, 'This sale has ended.')])
      default:
        return showAnswer('refused', [explain(error)])
    }
  }

  const showAnswer = (kind: string, parts: (Node | string)[]) => {
    answer.dataset.answer = kind
    fill(answer, h('p', {}, ...parts))
  }

  const stopWatching = client.watchSale(sale.id, {
    onUpdate: (update) => {
      live.remaining = update.remaining
      draw()
    },
    onConnection: (state) => {
      live.connected = state === 'open'
      draw()
    },
  })
  if (shop.viewer())
    void unitsHeld(client, sale.id).then((units) => {
      held = Math.max(held, units)
      draw()
    })
  const stopTick = repeat(draw, TICK_MS)
  return () => {
    stopWatching()
    stopTick()
  }
}
