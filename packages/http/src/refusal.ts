import type { ErrorCode } from '@flash/contracts'

/**
 * A request service() refuses before any route sees it, with its status and
 * the API's error code. Elysia turns whatever a parser throws into a 400
 * parse error, so the parser returns one of these in place of the body and
 * the transform step throws it for `onError` to answer.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}
