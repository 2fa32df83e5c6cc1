import { expect } from 'bun:test'
import { testTokens } from '@flash/testing'
import type { Caller, Catalog } from './helpers.ts'

/** A body as sent: JSON of a value, raw text or bytes, or a stream (chunked, no Content-Length). */
export type Body = { json: unknown } | { raw: string | Uint8Array } | { chunked: string }

/** One bad request and the refusal it must get; `message` is matched as a prefix. */
export type BadRequest = {
  what: string
  method: string
  path: string
  caller: Caller
  body?: Body
  status: 400 | 404 | 413
  message: string
}

export const messages = {
  notObject: 'body: must be a JSON object',
  notJson: 'body is not valid JSON',
  tooLarge: 'body larger than 16384 bytes',
  unknown: (field: string) => `body.${field}: is not a field this route accepts`,
}

/** Over the 16 KiB the test catalog accepts. */
export const tooBig = 'x'.repeat(20_000)

/** An anonymous GET that must be refused. */
export function get(what: string, path: string, status: 400 | 404, message: string): BadRequest {
  return { what, method: 'GET', path, caller: 'anonymous', status, message }
}

/** An admin's POST or PATCH whose body must be refused. */
export function write(
  what: string,
  [method, path]: [string, string],
  body: Body,
  status: 400 | 413,
  message: string,
): BadRequest {
  return { what, method, path, caller: 'admin', body, status, message }
}

/**
 * Sends `request` and checks the refusal: the status, nothing but
 * `{error: {code, message}}` with the code of the status and a message
 * naming what is wrong, no stack trace or source path, and nothing logged
 * as a server error. `{product}` in the path or a JSON body is replaced.
 */
export async function expectRefused(catalog: Catalog, request: BadRequest, productId: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (request.caller !== 'anonymous') {
    const { token } = await testTokens.signAccess({ id: crypto.randomUUID(), role: request.caller })
    headers.authorization = `Bearer ${token}`
  }
  const response = await fetch(`${catalog.url}${request.path.replace('{product}', productId)}`, {
    method: request.method,
    headers,
    body: bodyOf(request.body, productId),
  })
  const text = await response.text()

  expect(response.status).toBe(request.status)
  const parsed = JSON.parse(text) as { error: { code: string; message: string } }
  expect(Object.keys(parsed)).toEqual(['error'])
  expect(Object.keys(parsed.error).sort()).toEqual(['code', 'message'])
  expect(parsed.error.code).toBe(codes[request.status])
  expect(parsed.error.message).toStartWith(request.message)
  expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/)
  expect(catalog.errors).toEqual([])
}

const codes = { 400: 'invalid_request', 404: 'not_found', 413: 'payload_too_large' }

function bodyOf(body: Body | undefined, productId: string): RequestInit['body'] {
  if (!body) return undefined
  if ('json' in body) return JSON.stringify(body.json).replaceAll('{product}', productId)
  if ('raw' in body) return body.raw
  const bytes = new TextEncoder().encode(body.chunked)
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}
