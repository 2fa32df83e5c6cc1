/**
 * Asks the kernel for a TCP port that is free on 127.0.0.1 right now. Another
 * process may grab it before the caller binds it, so callers that start a
 * server on it should retry on "Address already in use".
 *
 * @example
 * const port = await freePort()
 * Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response('ok') })
 */
export async function freePort(): Promise<number> {
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: { data() {} },
  })
  const { port } = listener
  listener.stop(true)
  return port
}
