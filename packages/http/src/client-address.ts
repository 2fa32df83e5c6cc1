import { timingSafeEqual } from 'node:crypto'
import type { Server } from 'bun'

/**
 * The address rate limits count against. The gateway proves itself with the
 * service credential (`x-service-token`) and appends the client's address to
 * X-Forwarded-For, so with the right credential the client is the header's
 * last entry. Without it, the header is ignored whoever sent it: the apps'
 * own ports are reachable too, and every client on the gateway's machine
 * shares its address, so the peer proves nothing.
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

/**
 * Compares digests, so that neither the credential's contents nor its length
 * shows in the time the comparison takes. The expected credential is one
 * configured value per process: its digest is made once.
 */
function fromGateway(presented: string | null, expected: string | undefined): boolean {
  if (!presented || !expected) return false
  let expectedDigest = digests.get(expected)
  if (!expectedDigest) {
    expectedDigest = digest(expected)
    digests.set(expected, expectedDigest)
  }
  return timingSafeEqual(digest(presented), expectedDigest)
}

const digests = new Map<string, Buffer>()

function digest(value: string): Buffer {
  return new Bun.CryptoHasher('sha256').update(value).digest()
}
