import { type ErrorCode, errorBody } from '@flash/contracts'

/**
 * A ready response with the API's error body, for handlers that refuse.
 *
 * @example
 * return apiError(409, 'sold_out', 'this sale is sold out')
 */
export function apiError(
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(errorBody(code, message), { status, headers })
}
