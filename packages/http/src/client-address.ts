import type { Server } from 'bun'

/**
 * The address rate limits count against. Behind the gateway every request
 * comes from the gateway, so the client is the last address the gateway
 * appended to X-Forwarded-For; from anyone else, that header is ignored
 * (a client could write anything in it).
 *
 * @example
 * clientAddress(request, server, ['127.0.0.1']) // '203.0.113.7'
 */
export function clientAddress(
  request: Request,
  server: Server<unknown> | null,
  trustedProxies: readonly string[],
): string {
  const peer = server?.requestIP(request)?.address ?? 'unknown'
  if (!trustedProxies.includes(peer)) return peer
  const forwarded = request.headers.get('x-forwarded-for')
  const last = forwarded?.split(',').at(-1)?.trim()
  return last || peer
}

/**
 * The peers whose X-Forwarded-For `clientAddress` believes, from the
 * comma-separated list an app's `TRUSTED_PROXIES` holds.
 *
 * @example
 * parseTrustedProxies('127.0.0.1, ::1') // ['127.0.0.1', '::1']
 */
export function parseTrustedProxies(list: string): string[] {
  return list.split(',').map((address) => address.trim())
}
