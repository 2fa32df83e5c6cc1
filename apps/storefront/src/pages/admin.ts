import { field, fill, formValues, h, keyedList } from '../dom.ts'
import { localInput } from '../format.ts'
import { explain } from '../messages.ts'
import { type Mounted, repeat, type Shop } from '../shop.ts'
import { saleCard, updateSaleCard } from './sales.ts'

const REFRESH_MS = 2_000
const MINUTE = 60_000

type Sale = Parameters<typeof updateSaleCard>[1]

/** `#/admin`: create a product and a flash sale; every sale with what is left. */
export function adminPage(shop: Shop): Mounted {
  const { client } = shop
  if (shop.viewer()?.role !== 'admin')
    return {
      title: 'Admin',
      element: h(
        'section',
        { class: 'narrow' },
        h('h1', {}, 'Admin'),
        h(
          'p',
          {},
          'This page is for the shop’s admins. ',
          h('a', { href: '#/login?next=%23%2Fadmin' }, 'Log in as an admin'),
        ),
      ),
    }

  const products = h('select', { name: 'productId', required: true })
  const loadProducts = async (select?: string) => {
    const listed = await client.catalog.products()
    if (listed.isErr()) return
    fill(
      products,
      ...listed.value.items.map((product) =>
        h(
          'option',
          { value: product.id, selected: product.id === select },
          `${product.name} (stock ${product.stock})`,
        ),
      ),
    )
  }

  const productAnswer = h('p', { class: 'answer', role: 'status' })
  const productForm = h(
    'form',
    {
      'aria-label': 'New product',
      onsubmit: async (event: Event) => {
        event.preventDefault()
        const v = formValues(productForm)
        const made = await client.catalog.createProduct({
          name: v.name ?? '',
          description: v.description ?? '',
          price: Number(v.price),
          stock: Number(v.stock),
        })
        if (made.isErr()) {
          productAnswer.textContent = explain(made.error)
          return
        }
        productAnswer.textContent = `Product “${made.value.name}” created.`
        productForm.reset()
        await loadProducts(made.value.id)
      },
    },
    field('Name', h('input', { name: 'name', required: true, maxlength: 200 })),
    field('Description', h('input', { name: 'description', required: true })),
    field('Price (₩)', h('input', { name: 'price', type: 'number', min: 1, required: true })),
    field('Stock', h('input', { name: 'stock', type: 'number', min: 0, required: true })),
    h('button', { type: 'submit' }, 'Create product'),
    productAnswer,
  )

  // Prefilled on the server's clock: an admin whose device is off still starts a sale when meant.
  const now = client.clock.now()
  const saleAnswer = h('p', { class: 'answer', role: 'status' })
  const saleForm = h(
    'form',
    {
      'aria-label': 'New flash sale',
      onsubmit: async (event: Event) => {
        event.preventDefault()
        const v = formValues(saleForm)
        const made = await client.catalog.createSale({
          productId: v.productId ?? '',
          price: Number(v.price),
          quantity: Number(v.quantity),
          perUserLimit: Number(v.perUserLimit),
          buckets: Number(v.buckets),
          startsAt: new Date(v.startsAt ?? '').toISOString(),
          endsAt: new Date(v.endsAt ?? '').toISOString(),
        })
        saleAnswer.textContent = made.isErr()
          ? explain(made.error)
          : `Flash sale created: ${made.value.quantity} units from ${new Date(made.value.startsAt).toLocaleString()}.`
        if (made.isOk()) void refreshSales()
      },
    },
    field('Product', products),
    field('Sale price (₩)', h('input', { name: 'price', type: 'number', min: 1, required: true })),
    field(
      'Units on sale',
      h('input', { name: 'quantity', type: 'number', min: 1, required: true }),
    ),
    field(
      'Most units per buyer',
      h('input', { name: 'perUserLimit', type: 'number', min: 1, value: 1, required: true }),
    ),
    // A hot sale split over Redis partitions (README, "A hot sale in buckets"); 1 keeps it whole.
    field(
      'Buckets',
      h('input', { name: 'buckets', type: 'number', min: 1, value: 1, required: true }),
    ),
    field(
      'Starts',
      h('input', {
        name: 'startsAt',
        type: 'datetime-local',
        value: localInput(now + 2 * MINUTE),
        required: true,
      }),
    ),
    field(
      'Ends',
      h('input', {
        name: 'endsAt',
        type: 'datetime-local',
        value: localInput(now + 62 * MINUTE),
        required: true,
      }),
    ),
    h('button', { type: 'submit' }, 'Create flash sale'),
    saleAnswer,
  )

  const salesList = h('ul', { class: 'cards' })
  const sales = keyedList<Sale>(
    salesList,
    (sale) => sale.id,
    saleCard,
    (element, sale) => updateSaleCard(element, sale, client.clock.now()),
    () => h('li', { class: 'empty' }, 'No sales yet.'),
  )
  const refreshSales = async () => {
    const answers = await Promise.all(
      (['live', 'upcoming', 'ended'] as const).map((status) => client.catalog.sales({ status })),
    )
    sales.set(answers.flatMap((answer) => (answer.isOk() ? answer.value.items : [])))
  }

  void loadProducts()
  const element = h(
    'section',
    { class: 'admin' },
    h('h1', {}, 'Admin'),
    h('section', { class: 'panel' }, h('h2', {}, 'New product'), productForm),
    h('section', { class: 'panel' }, h('h2', {}, 'New flash sale'), saleForm),
    h('section', { class: 'panel wide' }, h('h2', {}, 'Sales'), salesList),
  )
  return { title: 'Admin', element, stop: repeat(refreshSales, REFRESH_MS) }
}
