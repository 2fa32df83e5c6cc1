export type StreamLimits = {
  /** Streams one client address may hold open at once. */
  perClient: number
  /** Streams the gateway holds open at once, all clients together. */
  total: number
}

export type SlotTaken =
  | { taken: true; release: () => void }
  | { taken: false; full: 'client' | 'total' }

/**
 * Counts the event streams open through the gateway, per client address and
 * in all. Each stream holds two sockets for as long as it lasts, so one
 * client must not be able to take them all, nor all clients more than the
 * process can hold.
 *
 * @example
 * const slot = slots.take('203.0.113.7')
 * if (!slot.taken) return refuse(429)
 * stream.finally(slot.release)
 */
export class StreamSlots {
  readonly #perClient = new Map<string, number>()
  #total = 0

  constructor(readonly limits: StreamLimits) {}

  /** Streams open now. */
  get open(): number {
    return this.#total
  }

  /** A slot for `client`, with its release (safe to call more than once), or which cap is full. */
  take(client: string): SlotTaken {
    const mine = this.#perClient.get(client) ?? 0
    if (mine >= this.limits.perClient) return { taken: false, full: 'client' }
    if (this.#total >= this.limits.total) return { taken: false, full: 'total' }
    this.#perClient.set(client, mine + 1)
    this.#total++
    let released = false
    return {
      taken: true,
      release: () => {
        if (released) return
        released = true
        this.#total--
        const left = (this.#perClient.get(client) ?? 1) - 1
        if (left === 0) this.#perClient.delete(client)
        else this.#perClient.set(client, left)
      },
    }
  }
}
