/**
 * Checked by `tsc` (root tsconfig, and `type-check.test.ts` through this
 * folder's own tsconfig), never run: how a frontend uses the client, and
 * misuses that must not compile. An `@ts-expect-error` above a line that
 * compiles is itself an error, so a misuse the types stop catching fails.
 */
import {
  type ApiError,
  type ApiErrorCode,
  createClient,
  isRetryable,
  type Order,
  type PaymentStatus,
  type Sale,
  type StoredSession,
  webStorageSessionStore,
} from '../../src/index.ts'

declare const storage: {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

const client = createClient('https://shop.example', { session: webStorageSessionStore(storage) })

export async function buy(saleId: string): Promise<string | ApiError> {
  const purchase = client.orders.purchase({ saleId, quantity: 1 })
  const key: string = purchase.key
  let placed = await purchase.place()
  if (placed.isErr() && isRetryable(placed.error)) placed = await purchase.place()
  if (placed.isErr()) {
    const code: ApiErrorCode = placed.error.code
    switch (code) {
      case 'sold_out':
      case 'limit_reached':
      case 'network_error':
        return placed.error
      // @ts-expect-error: not a code of the API
      case 'sold_out_now':
        return placed.error
    }
    return placed.error
  }
  const status: 'pending' = placed.value.status
  return `${key} ${placed.value.orderId} ${status}`
}

export async function readOrder(id: string): Promise<number | undefined> {
  const order = await client.orders.get(id)
  if (order.isErr()) return undefined
  const value: Order = order.value
  const payment: PaymentStatus = value.payment.status
  const dated: string = value.createdAt
  // @ts-expect-error: an order has no `price` (its money is `total`)
  const price: number = value.price
  // @ts-expect-error: 'shipped' is not an order status
  const shipped = value.status === 'shipped'
  return payment === 'refunded' ? 0 : value.total + dated.length + price + Number(shipped)
}

export async function misuses(): Promise<void> {
  // @ts-expect-error: a sale id is a string
  client.orders.purchase({ saleId: 1, quantity: 1 })
  // @ts-expect-error: the quantity is required
  client.orders.purchase({ saleId: 'a' })
  // @ts-expect-error: a sale or a product, not both
  client.orders.purchase({ saleId: 'a', productId: 'b', quantity: 1 })
  // @ts-expect-error: the key is made once, with the intent, and cannot be replaced
  client.orders.purchase({ saleId: 'a', quantity: 1 }).key = 'mine'
  // @ts-expect-error: the filter is upcoming, live or ended
  await client.catalog.sales({ status: 'soon' })
  // @ts-expect-error: signing up needs a name
  await client.session.signup({ email: 'a@b.c', password: 'long enough password' })
  // @ts-expect-error: the Eden client knows the routes: there is no DELETE /orders/:id
  await client.api.checkout.orders({ id: 'x' }).delete()
  const session: StoredSession | null = client.session.current()
  // @ts-expect-error: expiresAt is epoch milliseconds, not a Date
  const expires: Date | undefined = session?.expiresAt
  void expires
}

export function watch(saleId: string): () => void {
  return client.watchSale(saleId, {
    onUpdate: ({ remaining, status }) => {
      const left: number = remaining
      const known: Sale['status'] = status
      void [left, known]
    },
    onConnection: (state) => {
      // @ts-expect-error: the connection is open or reconnecting, nothing else
      if (state === 'closed') return
    },
  })
}

export async function serverTime(): Promise<number> {
  const synced = await client.clock.sync()
  return synced.isOk() ? client.clock.now() : Date.now()
}

export async function rawEden(): Promise<string | undefined> {
  // The Eden clients are there for routes the helpers do not wrap, with the session's token.
  const { data } = await client.api.catalog.products({ id: 'p' }).patch({ price: 100 })
  // @ts-expect-error: Eden's error union is not an ApiError; the helpers return those
  const error: ApiError = (await client.api.catalog.sales({ id: 's' }).get()).error
  void error
  return data instanceof Response ? undefined : data?.name
}
