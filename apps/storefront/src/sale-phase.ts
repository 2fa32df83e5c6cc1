/** The sale fields the page's clock reads. */
export type Window = { startsAt: string; endsAt: string }

export type Phase = 'upcoming' | 'live' | 'ended'

/**
 * Where a sale's window stands at `now` (server epoch ms). Half-open,
 * [startsAt, endsAt), as the service decides it.
 *
 * @example
 * phaseAt(sale, client.clock.now()) // 'live'
 */
export function phaseAt(window: Window, now: number): Phase {
  if (now < Date.parse(window.startsAt)) return 'upcoming'
  if (now >= Date.parse(window.endsAt)) return 'ended'
  return 'live'
}
