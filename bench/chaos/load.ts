import type { Buyer, Offer } from './offers.ts'
import type { Prng } from './prng.ts'

/** An order a 202 named: what the invariants look for in MySQL. */
export type Placed = {
  orderId: string
  buyerId: string
  offerId: string
  quantity: number
  key: string
  round: number
  at: number
}

/** A replay (same key, same body) that did not get the first answer back. */
export type ReplayMismatch = {
  round: number
  buyerId: string
  offerId: string
  key: string
  firstOrderId: string
  firstAt: number
  at: number
  /** What came back instead: a status, and the order id when it was a 202. */
  answer: { status: number | string; orderId?: string; code?: string }
}

/** A 404 for an offer MySQL holds: a sale must never answer 404 while it exists. */
export type MissingOffer = {
  round: number
  offerId: string
  request: string
  at: number
  body: string
}

/**
 * Everything the load saw, over the whole campaign: the invariants and the
 * report read it.
 *
 * @example
 * const record = newLoadRecord()
 */
export type LoadRecord = {
  placed: Map<string, Placed>
  replayMismatches: ReplayMismatch[]
  missingOffers: MissingOffer[]
  /** Answers per round, per action, per status ('timeout' and 'network' when none came). */
  answers: Map<number, Record<string, Record<string, number>>>
  /** When a new order was answered 202 (not replays), for recovery times. */
  acceptedAt: number[]
}

/**
 * @example
 * const record = newLoadRecord()
 */
export function newLoadRecord(): LoadRecord {
  return {
    placed: new Map(),
    replayMismatches: [],
    missingOffers: [],
    answers: new Map(),
    acceptedAt: [],
  }
}

/**
 * The first new order accepted at or after `since`, if any.
 *
 * @example
 * firstAcceptedAfter(record, faultEnd) // 1718000000123
 */
export function firstAcceptedAfter(record: LoadRecord, since: number): number | undefined {
  return record.acceptedAt.find((at) => at >= since)
}

export type LoadInput = {
  gatewayUrl: string
  buyers: readonly Buyer[]
  /** The offers new orders go to this round. */
  offers: readonly Offer[]
  /** Every offer of the campaign: replays of earlier rounds, and to tell a 404 for one of ours. */
  all: ReadonlyMap<string, Offer>
  record: LoadRecord
  random: Prng
  round: number
  /** Loops sending requests side by side. */
  concurrency: number
}

const actions = [
  ['order', 64],
  ['replay', 10],
  ['cancel', 10],
  ['return', 10],
  ['view', 6],
] as const
const offerWeights = { small: 20, medium: 25, big: 40, split: 25, product: 15 }
const requestTimeoutMs = 5_000
/**
 * Asks of one order answered 503 before the buyer gives up: a bucket
 * short of units answers 503 until the balancer (every 500 ms) has moved
 * some, and a fault may answer 503 for longer.
 */
const maxOrderTries = 10
/** A Retry-After longer than this is not waited for in full (the round would end first). */
const maxRetryAfterMs = 5_000

/** An order answered 503, to ask again with the same key once its Retry-After has passed. */
type Retry = {
  buyer: Buyer
  offer: Offer
  quantity: number
  key: string
  dueAt: number
  tries: number
}

/**
 * Buyers buying (each order with a fresh Idempotency-Key, asked again with
 * the same key after a 503 as the client library does), replaying
 * earlier requests (same key, same body), cancelling, returning and viewing
 * sales through the gateway, at a modest pace, until `stop` is called.
 *
 * @example
 * const load = startLoad({ gatewayUrl, buyers, offers, all, record, random, round: 1, concurrency: 3 })
 * await load.stop()
 */
export function startLoad(input: LoadInput): { stop: () => Promise<void> } {
  let running = true
  const byId = new Map(input.buyers.map((buyer) => [buyer.id, buyer]))
  const count = (action: string, status: number | string) => {
    const round = input.record.answers.get(input.round) ?? {}
    input.record.answers.set(input.round, round)
    const statuses = round[action] ?? {}
    round[action] = statuses
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1
  }
  const call = async (action: string, path: string, init: RequestInit, token?: string) => {
    const headers = new Headers(init.headers)
    if (token) headers.set('authorization', `Bearer ${token}`)
    if (init.body) headers.set('content-type', 'application/json')
    try {
      const res = await fetch(`${input.gatewayUrl}${path}`, {
        ...init,
        headers,
        signal: AbortSignal.timeout(requestTimeoutMs),
      })
      const text = await res.text()
      count(action, res.status)
      return { status: res.status, text, retryAfter: res.headers.get('retry-after') }
    } catch (error) {
      const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network'
      count(action, status)
      return { status, text: '', retryAfter: null }
    }
  }
  const parse = (text: string) => {
    try {
      return JSON.parse(text) as { orderId?: string; error?: { code?: string } }
    } catch {
      return {}
    }
  }
  const noteMissing = (offerId: string, request: string, text: string) => {
    if (!input.all.has(offerId)) return
    input.record.missingOffers.push({
      round: input.round,
      offerId,
      request,
      at: Date.now(),
      body: text.slice(0, 200),
    })
  }
  const order = async (
    buyer: Buyer,
    offer: Offer,
    quantity: number,
    key: string,
    action = 'order',
  ) => {
    const body =
      offer.kind === 'sale' ? { saleId: offer.id, quantity } : { productId: offer.id, quantity }
    const request = `POST /orders ${JSON.stringify(body)}`
    const answer = await call(
      action,
      '/orders',
      { method: 'POST', body: JSON.stringify(body), headers: { 'idempotency-key': key } },
      buyer.token,
    )
    if (answer.status === 404) noteMissing(offer.id, request, answer.text)
    const { orderId, error } = parse(answer.text)
    return { status: answer.status, orderId, code: error?.code, retryAfter: answer.retryAfter }
  }
  const placed = () => [...input.record.placed.values()]
  const retries: Retry[] = []
  /** A new order, or one asked again after a 503: the same key until the answer is not 503. */
  const place = async (attempt: Omit<Retry, 'dueAt'>, action: 'order' | 'retry') => {
    const { buyer, offer, quantity, key } = attempt
    const answer = await order(buyer, offer, quantity, key, action)
    if (answer.status === 503) {
      if (attempt.tries < maxOrderTries)
        retries.push({
          ...attempt,
          tries: attempt.tries + 1,
          dueAt: Date.now() + retryAfterMs(answer.retryAfter),
        })
      else count('retry', 'given up')
      return
    }
    if (answer.status !== 202 || !answer.orderId) return
    const at = Date.now()
    input.record.acceptedAt.push(at)
    const known = input.record.placed.get(answer.orderId)
    if (!known)
      input.record.placed.set(answer.orderId, {
        orderId: answer.orderId,
        buyerId: buyer.id,
        offerId: offer.id,
        quantity,
        key,
        round: input.round,
        at,
      })
  }
  const steps = {
    async order() {
      const offer = pickOffer(input.random, input.offers)
      const buyer = input.random.pick(input.buyers)
      const quantity = offer.size === 'small' ? 1 : input.random.int(1, 2)
      const key = `chaos-${input.round}-${crypto.randomUUID()}`
      await place({ buyer, offer, quantity, key, tries: 1 }, 'order')
    },
    async replay() {
      const first = pickRecent(input.random, placed())
      const buyer = first && byId.get(first.buyerId)
      const offer = first && input.all.get(first.offerId)
      if (!first || !buyer || !offer) return
      const answer = await order(buyer, offer, first.quantity, first.key)
      if (answer.status === 202 && answer.orderId === first.orderId) return
      // No answer, or one that says nothing about the order (the gateway or an app unavailable,
      // a timeout, a rate limit): the replay's guarantee is about answers given.
      if (
        typeof answer.status !== 'number' ||
        answer.status >= 500 ||
        [408, 429].includes(answer.status)
      )
        return
      if (answer.status === 202 && answer.orderId && !input.record.placed.has(answer.orderId))
        input.record.placed.set(answer.orderId, {
          ...first,
          orderId: answer.orderId,
          at: Date.now(),
        })
      input.record.replayMismatches.push({
        round: input.round,
        buyerId: buyer.id,
        offerId: offer.id,
        key: first.key,
        firstOrderId: first.orderId,
        firstAt: first.at,
        at: Date.now(),
        answer: { status: answer.status, orderId: answer.orderId, code: answer.code },
      })
    },
    async cancel() {
      const target = pickRecent(input.random, placed())
      const buyer = target && byId.get(target.buyerId)
      if (target && buyer)
        await call('cancel', `/orders/${target.orderId}/cancel`, { method: 'POST' }, buyer.token)
    },
    async return() {
      // Delivered takes about two seconds (ship and deliver timers of one second each).
      const old = placed().filter((each) => each.at < Date.now() - 3_000)
      const target = pickRecent(input.random, old)
      const buyer = target && byId.get(target.buyerId)
      if (target && buyer)
        await call('return', `/orders/${target.orderId}/return`, { method: 'POST' }, buyer.token)
    },
    async view() {
      const offer = input.random.pick(input.offers.filter((each) => each.kind === 'sale'))
      const answer = await call('view', `/sales/${offer.id}`, { method: 'GET' })
      if (answer.status === 404) noteMissing(offer.id, `GET /sales/${offer.id}`, answer.text)
    },
  }
  /** The first order whose Retry-After has passed, taken off the list. */
  const dueRetry = () => {
    const index = retries.findIndex((retry) => retry.dueAt <= Date.now())
    return index < 0 ? undefined : retries.splice(index, 1)[0]
  }
  const loop = async () => {
    while (running) {
      // A buyer told to come back comes back before anyone new arrives, as the client does.
      const retry = dueRetry()
      if (retry) await place(retry, 'retry')
      else await steps[weighted(input.random, actions)]()
      // Pacing, not waiting for a condition: a modest rate on a two-core machine.
      await Bun.sleep(input.random.int(100, 400))
    }
  }
  const loops = Array.from({ length: input.concurrency }, loop)
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      // Buyers still waiting to ask again when the round ends leave: nothing was counted for them.
      for (const _ of retries.splice(0)) count('retry', 'left at the end')
    },
  }
}

/** Retry-After in milliseconds (whole seconds, 1 when absent or unreadable), capped. */
function retryAfterMs(header: string | null): number {
  const seconds = Number(header ?? 1)
  return Math.min(
    Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : 1_000,
    maxRetryAfterMs,
  )
}

function weighted<T extends string>(random: Prng, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0)
  let draw = random.next() * total
  for (const [choice, weight] of choices) {
    draw -= weight
    if (draw < 0) return choice
  }
  return (choices.at(-1) as readonly [T, number])[0]
}

function pickOffer(random: Prng, offers: readonly Offer[]): Offer {
  const size = weighted(
    random,
    offers.map((offer) => [offer.id, offerWeights[offer.size]] as const),
  )
  return offers.find((offer) => offer.id === size) as Offer
}

/** Mostly the latest orders (what a buyer just bought), sometimes any earlier one. */
function pickRecent<T>(random: Prng, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined
  const window = random.chance(0.8) ? Math.min(items.length, 50) : items.length
  return items[items.length - 1 - random.int(0, window - 1)]
}
