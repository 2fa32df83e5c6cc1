import { type Credential, credentials, type WholeStack } from '@flash/testing'
import fc from 'fast-check'
import { brokenRule } from './answer-rules.ts'
import type { Target } from './api-routes.ts'
import type { Body } from './hostile-bodies.ts'
import { cpuMs } from './process-cpu.ts'
import { rawRequest } from './raw-http.ts'

/** One request of a batch: everything but the body is drawn from the route. */
export type HostileRequest = {
  method: string
  path: string
  credential: Credential
  contentType: string
  body: Body
}

/**
 * How much CPU time, summed over every process of the stack, a batch may
 * cost: a fixed part for the batch, a part per request, a part per KB sent.
 * The constants are loose on purpose, some ten times what a sound server
 * needs, so that the bound never fails on noise: the 10 ms resolution of
 * /proc times four processes, timers and garbage collection running
 * meanwhile. It fails on what matters, a body whose cost grows faster than
 * its size: a recursive parser or validator walking a 16 KB body nested
 * 8,000 deep spends seconds on it, where this budget allows that body 80 ms.
 * CPU time and not wall time, so a busy machine cannot fail it.
 */
export const cpuBudget = { perBatchMs: 200, perRequestMs: 10, perKbMs: 5 }

/** Mostly what the API takes; sometimes what a browser sends cross-origin without asking. */
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
    ),
    weight: 2,
  },
)

/** The target's path with each `{param}` a random UUID and a `*` any URL segment. */
function filledPath(template: string): fc.Arbitrary<string> {
  const params = template.match(/\{[^}]+\}|\*/g) ?? []
  return fc
    .tuple(...params.map((param) => (param === '*' ? fc.webSegment() : fc.uuid())))
    .map((values) => {
      let at = 0
      return template.replace(/\{[^}]+\}|\*/g, () => values[at++] ?? '')
    })
}

/**
 * Requests to one target: a method it serves, its path filled in, any
 * credential, a content type, and a body from `bodies`.
 *
 * @example
 * fc.array(hostileRequest(target, randomBody), { minLength: 4, maxLength: 8 })
 */
export function hostileRequest(target: Target, bodies: fc.Arbitrary<Body>) {
  return fc.record({
    method: fc.constantFrom(...target.methods),
    path: filledPath(target.path),
    credential: fc.constantFrom(...credentials),
    contentType,
    body: bodies,
  })
}

/**
 * Sends a batch to one target all at once and checks every answer against
 * `brokenRule` and the batch's CPU time against `cpuBudget`; throws one error
 * listing everything that broke.
 *
 * @example
 * await sendBatch(stack, target, requests)
 */
export async function sendBatch(
  stack: WholeStack,
  target: Target,
  requests: HostileRequest[],
): Promise<void> {
  const pids = Object.values(stack.pids)
  const cpuBefore = pids.map(cpuMs)
  const outcomes = await Promise.all(
    requests.map(async (request) => {
      const answer = await rawRequest(target.base, {
        method: request.method,
        path: request.path,
        headers: {
          'content-type': request.contentType,
          'idempotency-key': crypto.randomUUID(),
          ...(await stack.headersFor(request.credential, request.path)),
        },
        body: request.body.text,
      }).catch((error: unknown) => ({ status: 0, headers: {}, body: String(error) }))
      const broken =
        answer.status === 0
          ? `no answer: ${answer.body}`
          : brokenRule(request.method, request.path, answer)
      return broken && `${describe(target, request)}: ${broken}`
    }),
  )
  const spent = pids.map(cpuMs).reduce((sum, ms, i) => sum + ms - (cpuBefore[i] ?? 0), 0)
  const kb = requests.reduce((sum, r) => sum + Buffer.byteLength(r.body.text), 0) / 1024
  const allowed =
    cpuBudget.perBatchMs + cpuBudget.perRequestMs * requests.length + cpuBudget.perKbMs * kb
  const problems = outcomes.filter((o): o is string => Boolean(o))
  if (spent > allowed)
    problems.push(
      `${target.via} ${target.methods.join('|')} ${target.path}: the batch cost ${spent} ms of CPU, ` +
        `over its budget of ${Math.round(allowed)} ms for ${requests.length} requests and ` +
        `${Math.round(kb)} KB (${requests.map((r) => r.body.label).join('; ')})`,
    )
  if (problems.length > 0) throw new Error(problems.join('\n'))
}

function describe(target: Target, request: HostileRequest): string {
  return `${target.via} ${request.method} ${request.path} as ${request.credential} (${request.contentType}) with ${fc.stringify(request.body)}`
}
