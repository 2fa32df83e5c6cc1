import type { Success } from './answers.ts'
import type { Api } from './api.ts'

/** The success body of an Eden call, as the route's own types give it. */
type Body<Call extends (...args: never[]) => Promise<unknown>> = NonNullable<
  Success<Awaited<ReturnType<Call>>>
>

type Checkout = Api['checkout']
type Catalog = Api['catalog']
type Auth = Api['auth']

/** One of the buyer's orders (`GET /orders/:id`). */
export type Order = Body<ReturnType<Checkout['orders']>['get']>
export type OrderStatus = Order['status']
/** Where the order's money is: `pending`, `charged`, `declined`, `refund_pending`, `refunded`, `none`. */
export type PaymentStatus = Order['payment']['status']
/** What `POST /orders` answers: the order exists, and its payment is on its way. */
export type PlacedOrder = Body<Checkout['orders']['post']>

export type Sale = Body<ReturnType<Catalog['sales']>['get']>
/** `upcoming`, `live`, `sold_out` (live, nothing left) or `ended`. */
export type SaleStatus = Sale['status']
export type Product = Body<ReturnType<Catalog['products']>['get']>

/** One page of a list; `nextCursor` is null on the last page. */
export type Page<T> = { items: T[]; nextCursor: string | null }

/** `GET /auth/me`: the buyer's profile and latest orders. */
export type Profile = Body<Auth['auth']['me']['get']>

/** What `GET /sales/:id/events` sends on every change. */
export type SaleUpdate = { remaining: number; status: SaleStatus }
