/**
 * Where a process that shares its port with the other processes of its
 * group (SO_REUSEPORT) says which group it belongs to. Linux lets any
 * socket of the same user with SO_REUSEPORT join a port, so the option alone
 * would let two unrelated services, or two `bun run start`, split each
 * other's traffic without a word: a process asks this path on its port
 * before it listens, and joins only its own group.
 */
export const PORT_GROUP_PATH = '/health/group'

/** What `GET /health/group` answers: the service and the group id `bun run start` drew. */
export type PortGroupAnswer = { service: string; group: string }

/** Who holds a port a process is about to listen on, as `whoHoldsPort` found. */
export type PortHolder =
  | { kind: 'free' }
  | { kind: 'own-group' }
  /** `what` completes "the port is held by ...". */
  | { kind: 'other'; what: string }

/**
 * Asks the port what listens there before a process joins it: nothing
 * (the connection is refused), a process of the same service and group
 * (its `GET /health/group` says so), or anything else: another service,
 * another group, a server that answers something else, or none in time.
 *
 * @example
 * await whoHoldsPort('127.0.0.1', 3003, { service: 'checkout', group: 'k3j9' })
 * // { kind: 'other', what: 'gateway of group "x81f" (another service or another `bun run start`)' }
 */
export async function whoHoldsPort(
  host: string,
  port: number,
  own: PortGroupAnswer,
  timeoutMs = 2_000,
): Promise<PortHolder> {
  let response: Response
  try {
    response = await fetch(`http://${probeHost(host)}:${port}${PORT_GROUP_PATH}`, {
      signal: AbortSignal.timeout(timeoutMs),
      // A fresh connection, so the answer comes from whoever listens now.
      keepalive: false,
    })
  } catch (error) {
    if (isRefused(error)) return { kind: 'free' }
    return { kind: 'other', what: `a program that gave no HTTP answer (${String(error)})` }
  }
  const answer = (await response.json().catch(() => undefined)) as
    | Partial<PortGroupAnswer>
    | undefined
  if (!response.ok || typeof answer?.service !== 'string' || typeof answer.group !== 'string')
    return {
      kind: 'other',
      what: `a server that is not one of ours with a port group (GET ${PORT_GROUP_PATH} answered ${response.status})`,
    }
  if (answer.service === own.service && answer.group === own.group) return { kind: 'own-group' }
  return {
    kind: 'other',
    what: `${answer.service} of group "${answer.group}" (another service or another \`bun run start\`)`,
  }
}

/** A socket bound to every address answers on the loopback one. */
function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

function isRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ConnectionRefused' || code === 'ECONNREFUSED'
}
