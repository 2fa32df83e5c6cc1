import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startWholeStack, type WholeStack } from '@flash/testing'
import fc from 'fast-check'
import { documentedRoutes, type Target, throughGateway } from './api-routes.ts'
import { hostileRequest, sendBatch } from './hostile-batch.ts'
import { extremeBodies, randomBody } from './hostile-bodies.ts'
import { rawRequest } from './raw-http.ts'

// A fixed seed keeps CI's runs the same; fast-check prints it with any failure to replay it.
const SEED = 14

let stack: WholeStack
let targets: Target[]

beforeAll(async () => {
  stack = await startWholeStack()
  const apps = (
    await Promise.all(
      (['auth', 'catalog', 'checkout'] as const).map((app) =>
        documentedRoutes(app, stack.urls[app]),
      ),
    )
  ).flat()
  const gateway = await documentedRoutes('gateway', stack.urls.gateway)
  targets = [...apps, ...throughGateway(apps, gateway), ...gateway]
  // The documents are the list of routes: if they lost routes, the properties below would pass
  // on fewer and fewer of them without a word.
  expect(targets.map((t) => `${t.via} ${t.methods.join('|')} ${t.path}`)).toEqual(
    expect.arrayContaining([
      'auth POST /auth/login',
      'catalog PATCH /products/{id}',
      'checkout POST /orders',
      'checkout GET /internal/users/{userId}/orders',
      'gateway→checkout POST /orders',
      'gateway→catalog GET /sales/{id}/events',
      'gateway GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE /auth/*',
    ]),
  )
  // A route's first request compiles its handler: not what the CPU budget is about.
  for (const target of targets)
    for (const method of target.methods)
      await rawRequest(target.base, { method, path: target.path.replace('*', 'x') })
}, 90_000)

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]()
})

describe('every documented route, as separate processes behind the gateway', () => {
  it('answers each hand-made extreme body (8,000 levels deep, 16 KB flat, over the limit) with a success or the error body, never a 5xx, in CPU time proportional to its size', async () => {
    for (const [index, target] of targets.entries())
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...extremeBodies.map((body) => hostileRequest(target, fc.constant(body)))),
          (requests) => sendBatch(stack, target, requests),
        ),
        { numRuns: 1, seed: SEED + index, endOnFailure: true, includeErrorInReport: true },
      )
  })

  it('answers random JSON of any depth, size and type, with or without a token, with a success or the error body, never a 5xx, in CPU time proportional to its size', async () => {
    for (const [index, target] of targets.entries())
      await fc.assert(
        fc.asyncProperty(
          fc.array(hostileRequest(target, randomBody), { minLength: 4, maxLength: 8 }),
          (requests) => sendBatch(stack, target, requests),
        ),
        // Shrinking would replay batches against live processes for minutes; the failure
        // message names each request already.
        { numRuns: 10, seed: SEED + index, endOnFailure: true, includeErrorInReport: true },
      )
  })
})
