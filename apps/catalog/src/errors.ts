import { type ApiErrorBody, errorReply } from '@flash/contracts'

/** Everything catalog can refuse, as data. Fields are named as the client sent them. */
export type CatalogError =
  /** A body value that passed the schema but breaks a rule (a window that ends before it starts). */
  | { type: 'InvalidField'; field: string; reason: string }
  /** A sale names a product that does not exist: a mistake in the body, hence 400. */
  | { type: 'UnknownProduct'; productId: string }
  | { type: 'InsufficientStock'; requested: number; available: number }
  /** A new stock below the units buyers took since MySQL last counted: the live counter would go negative. */
  | { type: 'StockBelowSold'; requested: number; minimum: number }
  | { type: 'ProductNotFound' }
  | { type: 'SaleNotFound' }
  | { type: 'Unavailable'; cause: unknown }
  /** The process is stopping: long-lived streams are refused so the stop is not held open. */
  | { type: 'ShuttingDown' }

/**
 * The one switch that turns a catalog error into the status and body of shared/API.md.
 *
 * @example
 * toHttp({ type: 'SaleNotFound' }) // { status: 404, body: { error: { code: 'not_found', ... } } }
 */
export function toHttp(error: CatalogError): { status: number; body: ApiErrorBody } {
  switch (error.type) {
    case 'InvalidField':
      return errorReply(400, 'invalid_request', `body.${error.field}: ${error.reason}`)
    case 'UnknownProduct':
      return errorReply(400, 'invalid_request', `body.productId: no product ${error.productId}`)
    case 'InsufficientStock':
      return errorReply(
        400,
        'invalid_request',
        `body.quantity: ${error.requested} requested but only ${error.available} in stock`,
      )
    case 'StockBelowSold':
      return errorReply(
        400,
        'invalid_request',
        `body.stock: ${error.requested} is too low; at least ${error.minimum} (units already sold since the stock was last counted)`,
      )
    case 'ProductNotFound':
      return errorReply(404, 'not_found', 'no such product')
    case 'SaleNotFound':
      return errorReply(404, 'not_found', 'no such sale')
    case 'Unavailable':
      return errorReply(
        503,
        'unavailable',
        'the catalog is unavailable right now; try again shortly',
      )
    case 'ShuttingDown':
      return errorReply(503, 'unavailable', 'the catalog is restarting; try again shortly')
  }
}

/**
 * The response for a refusal; failures of our own dependencies are logged
 * here, once, with their cause (which never reaches the client).
 *
 * @example
 * (await getSale(deps, id)).match((sale) => sale, refuse(deps.log))
 */
export function refuse(log: (line: string) => void) {
  return (error: CatalogError): Response => {
    if (error.type === 'Unavailable') log(`[catalog] dependency failed: ${describe(error.cause)}`)
    const { status, body } = toHttp(error)
    return Response.json(body, { status })
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)
}
