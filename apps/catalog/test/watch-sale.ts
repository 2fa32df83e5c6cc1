import type { SaleUpdate } from '../src/modules/sales/sale-feed.ts'

/**
 * One client of `GET /sales/:id/events`, read with a plain `fetch` reader
 * the way any HTTP client would: `events` fills with each `data:` line's
 * JSON, `comments` counts heartbeats, `ended` turns true when the server
 * closes the stream, `leave()` disconnects.
 */
export function watchSale(baseUrl: string, saleId: string) {
  const disconnect = new AbortController()
  const events: SaleUpdate[] = []
  const raw: string[] = []
  const watcher = {
    events,
    /** Every chunk as received, to check the wire format itself. */
    raw,
    comments: 0,
    ended: false,
    response: fetch(`${baseUrl}/sales/${saleId}/events`, { signal: disconnect.signal }),
    leave: () => disconnect.abort(),
    /** Settles when the stream ends or the watcher leaves. */
    done: Promise.resolve(),
  }
  watcher.done = watcher.response.then(read).catch((error: unknown) => {
    if (!disconnect.signal.aborted) throw error
  })
  return watcher

  async function read(response: Response) {
    if (!response.body) return
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of response.body) {
      const text = decoder.decode(chunk, { stream: true })
      raw.push(text)
      buffered += text
      // Events end with a blank line; a chunk may carry several, or half of one.
      const blocks = buffered.split('\n\n')
      buffered = blocks.pop() ?? ''
      for (const block of blocks) take(block)
    }
    watcher.ended = true
  }

  function take(block: string) {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) watcher.comments++
      else if (line.startsWith('data: ')) events.push(JSON.parse(line.slice('data: '.length)))
    }
  }
}

export type SaleWatcher = ReturnType<typeof watchSale>
