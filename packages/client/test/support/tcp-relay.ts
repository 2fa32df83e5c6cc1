import type { Socket } from 'bun'

type Pair = { client: Socket<Peer>; upstream: Socket<Peer> | undefined; pending: Uint8Array[] }
type Peer = { pair: Pair; side: 'client' | 'upstream' }

/**
 * A TCP relay in front of a server, for tests of what a client does when the
 * network fails: `cut()` drops every open connection at once, `refuse()`
 * closes each new one as it arrives until `accept()`, and `freeze()` keeps
 * connections open but stops passing bytes (a connection that hangs without
 * closing, as a phone changing networks sees). Bytes are relayed as they
 * come; the streams these tests send are small, so nothing waits for drain.
 *
 * @example
 * await using relay = await tcpRelay(gateway.url)
 * const client = createClient(relay.url)
 * relay.cut()
 */
export async function tcpRelay(target: string) {
  const { hostname, port } = new URL(target)
  const pairs = new Set<Pair>()
  let refusing = false
  let frozen = false
  let accepted = 0
  const closePair = (pair: Pair) => {
    pairs.delete(pair)
    pair.client.end()
    pair.upstream?.end()
  }
  const server = Bun.listen<Peer>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        if (refusing) return void client.end()
        accepted++
        const pair: Pair = { client, upstream: undefined, pending: [] }
        client.data = { pair, side: 'client' }
        pairs.add(pair)
        void Bun.connect<Peer>({
          hostname,
          port: Number(port),
          data: { pair, side: 'upstream' },
          socket: {
            open(upstream) {
              pair.upstream = upstream
              for (const chunk of pair.pending) upstream.write(chunk)
              pair.pending = []
            },
            data(_upstream, data) {
              if (!frozen) pair.client.write(data)
            },
            close: () => closePair(pair),
            error: () => closePair(pair),
          },
        }).catch(() => closePair(pair))
      },
      data(client, data) {
        const { pair } = client.data
        if (frozen) return
        if (pair.upstream) pair.upstream.write(data)
        else pair.pending.push(new Uint8Array(data))
      },
      close: (client) => client.data && closePair(client.data.pair),
      error: (client) => client.data && closePair(client.data.pair),
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    /** Connections accepted so far (refused ones are not counted). */
    accepted: () => accepted,
    cut() {
      for (const pair of [...pairs]) closePair(pair)
    },
    refuse() {
      refusing = true
    },
    accept() {
      refusing = false
    },
    freeze() {
      frozen = true
    },
    thaw() {
      frozen = false
    },
    async [Symbol.asyncDispose]() {
      for (const pair of [...pairs]) closePair(pair)
      server.stop(true)
    },
  }
}
