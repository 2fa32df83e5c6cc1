import type { Server } from 'bun'
import { credentialCheck } from './credential.ts'

/**
 * The address rate limits count against. The gateway proves itself with the
 * service credential (`x-service-token`) and appends the client's address to
 * X-Forwarded-For, so with the right credential the client is the header's
 * last entry. Without it, the header is ignored whoever sent it: the apps'
 * own ports are reachable too, and every client on the gateway's machine
 * shares its address, so the peer proves nothing. The credential is compared
 * in constant time (`credentialCheck`).
 *
 * @example
 * clientAddress(request, server, env.SERVICE_TOKEN) // '203.0.113.7'
 */
export function clientAddress(
  request: Request,
  server: Server<unknown> | null,
  serviceToken: string | undefined,
): string {
  const peer = server?.requestIP(request)?.address ?? 'unknown'
  const forwarded = request.headers.get('x-forwarded-for')
  if (!forwarded || !fromGateway(request.headers.get('x-service-token'), serviceToken)) return peer
  return forwarded.split(',').at(-1)?.trim() || peer
}

/** One check per configured credential: its digest is made once, not per request. */
const checks = new Map<string, (presented: string | null) => boolean>()

function fromGateway(presented: string | null, expected: string | undefined): boolean {
  if (!expected) return false
  let check = checks.get(expected)
  if (!check) {
    check = credentialCheck(expected)
    checks.set(expected, check)
  }
  return check(presented)
}
