const won = new Intl.NumberFormat('en-US')

/**
 * Money is an integer number of minor units; the shop's are won.
 *
 * @example
 * money(49000) // '₩49,000'
 */
export function money(minorUnits: number): string {
  return `₩${won.format(minorUnits)}`
}

/**
 * A countdown's text, rounded up to the second so it reads 0:00:00 only
 * when the moment has come.
 *
 * @example
 * countdown(61_500) // '0:01:02'
 * countdown(90_061_000) // '1d 1:01:01'
 */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const days = Math.floor(total / 86_400)
  const hours = Math.floor((total % 86_400) / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const clock = `${hours}:${pad(minutes)}:${pad(seconds)}`
  return days > 0 ? `${days}d ${clock}` : clock
}

/**
 * A moment in the reader's own time zone; only the zone is theirs, the
 * moment is the server's.
 *
 * @example
 * when('2026-12-01T10:00:00.000Z') // 'Dec 1, 7:00 PM' in Seoul
 */
export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  })
}

/**
 * `datetime-local` input text for a moment, in the reader's time zone.
 *
 * @example
 * localInput(Date.UTC(2026, 11, 1, 10)) // '2026-12-01T19:00' in Seoul
 */
export function localInput(epochMs: number): string {
  const d = new Date(epochMs)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}
