import { type ApiErrorBody, errorBody } from '@flash/contracts'
import { Elysia } from 'elysia'
import type { CheckoutDeps } from '../../deps.ts'
import { listOrders } from '../orders/read.ts'
import { InternalModel } from './model.ts'
import { SERVICE_TOKEN_HEADER, serviceCredential } from './service-credential.ts'

type Status = (code: 401 | 403, body: ApiErrorBody) => unknown

/**
 * `/internal`: routes for the other apps, never for clients. The gateway does
 * not route `/internal` at all, and each call must carry the service
 * credential (`x-service-token`): 401 without one, 403 with a wrong one,
 * checked before anything else about the request.
 *
 * @example
 * new Elysia().use(internalController(deps, env.SERVICE_TOKEN, console.error))
 */
export function internalController(
  deps: CheckoutDeps,
  serviceToken: string | undefined,
  log: (line: string) => void,
) {
  const check = serviceCredential(serviceToken)
  // In transform, before validation, so a caller without the credential learns nothing else.
  // Elysia types transform as returning void, yet a returned response ends the request.
  const guard = ({ request, status }: { request: Request; status: Status }) => {
    switch (check(request.headers.get(SERVICE_TOKEN_HEADER))) {
      case 'missing':
        return status(401, errorBody('unauthorized', 'a service credential is required'))
      case 'wrong':
        return status(403, errorBody('forbidden', 'this service credential is not accepted'))
    }
  }
  return new Elysia({ prefix: '/internal' }).onTransform(guard as unknown as () => void).get(
    '/users/:userId/orders',
    async ({ params, query, status }) =>
      (await listOrders(deps, params.userId, undefined, query.limit ?? 10)).match(
        (page) => ({ items: page.items }),
        (error) => {
          if (error.type === 'Unavailable')
            log(`[checkout] dependency failed: ${String(error.cause)}`)
          return status(503, errorBody('unavailable', 'orders are unavailable right now'))
        },
      ),
    {
      params: InternalModel.userParams,
      query: InternalModel.recentQuery,
      detail: { summary: "A user's latest orders, for auth's GET /auth/me (service credential)" },
    },
  )
}
