import type { Sale as FlashSale } from '@flash/client'
import { h, keyedList } from '../dom.ts'
import { countdown, money, when } from '../format.ts'
import { explain } from '../messages.ts'
import { phaseAt } from '../sale-phase.ts'
import { type Mounted, repeat, type Shop } from '../shop.ts'

type Sale = Pick<
  FlashSale,
  'id' | 'name' | 'price' | 'quantity' | 'remaining' | 'startsAt' | 'endsAt'
>

const REFRESH_MS = 3_000
const TICK_MS = 1_000
const sections = [
  { status: 'live', heading: 'Live now', empty: 'Nothing on sale right now.' },
  { status: 'upcoming', heading: 'Coming up', empty: 'Nothing announced yet.' },
  { status: 'ended', heading: 'Ended', empty: 'No sale has ended yet.' },
] as const

/** `#/`: every sale, live, upcoming and ended, with its price, what is left and when. */
export function salesPage(shop: Shop): Mounted {
  const now = () => shop.client.clock.now()
  const problem = h('p', { class: 'problem', role: 'alert' })
  const lists = sections.map((section) => {
    const list = h('ul', { class: 'cards' })
    return {
      ...section,
      list,
      sales: keyedList<Sale>(
        list,
        (sale) => sale.id,
        saleCard,
        (element, sale) => updateSaleCard(element, sale, now()),
        () => h('li', { class: 'empty' }, section.empty),
      ),
    }
  })
  const element = h(
    'section',
    {},
    h('h1', {}, 'Flash sales'),
    problem,
    ...lists.map((section) =>
      h(
        'section',
        { 'aria-labelledby': `heading-${section.status}`, 'data-sales': section.status },
        h('h2', { id: `heading-${section.status}` }, section.heading),
        section.list,
      ),
    ),
  )

  const refresh = async () => {
    const answers = await Promise.all(
      lists.map((section) => shop.client.catalog.sales({ status: section.status })),
    )
    problem.textContent = ''
    answers.forEach((answer, i) => {
      if (answer.isOk()) lists[i]?.sales.set(answer.value.items)
      else problem.textContent = explain(answer.error)
    })
  }
  const stopRefresh = repeat(refresh, REFRESH_MS)
  const stopTick = repeat(() => {
    for (const section of lists) section.sales.redraw()
  }, TICK_MS)
  return {
    title: 'Sales',
    element,
    stop: () => {
      stopRefresh()
      stopTick()
    },
  }
}

/** A sale in a list: its name links to its page; the rest is updated in place. */
export function saleCard(sale: Sale): HTMLElement {
  return h(
    'li',
    { class: 'card', 'data-sale': sale.id },
    h('a', { href: `#/sales/${encodeURIComponent(sale.id)}` }, h('strong', { class: 'name' })),
    h('span', { class: 'price' }),
    h('span', { class: 'remaining' }),
    h('span', { class: 'time' }),
  )
}

export function updateSaleCard(element: HTMLElement, sale: Sale, now: number): void {
  const phase = phaseAt(sale, now)
  element.className = `card ${phase}`
  text(element, '.name', sale.name)
  text(element, '.price', money(sale.price))
  text(
    element,
    '.remaining',
    sale.remaining === 0 ? 'Sold out' : `${sale.remaining} of ${sale.quantity} left`,
  )
  text(
    element,
    '.time',
    phase === 'upcoming'
      ? `Starts in ${countdown(Date.parse(sale.startsAt) - now)}`
      : phase === 'live'
        ? `Ends in ${countdown(Date.parse(sale.endsAt) - now)}`
        : `Ended ${when(sale.endsAt)}`,
  )
}

function text(element: HTMLElement, selector: string, value: string) {
  const target = element.querySelector(selector)
  if (target && target.textContent !== value) target.textContent = value
}
