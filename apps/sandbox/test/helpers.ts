import { createSandboxApp } from '../src/app.ts'
import { calmSettings, type Settings } from '../src/settings.ts'

/**
 * A sandbox of its own (in-memory state, so nothing is shared between test
 * files), listening on a free port so tests go through real HTTP.
 */
export function startSandbox(settings: Partial<Settings> = {}) {
  const errors: string[] = []
  const app = createSandboxApp({
    settings: { ...calmSettings, ...settings },
    maxBodyBytes: 64 * 1024,
    log: (line) => errors.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  const url = `http://127.0.0.1:${app.server?.port}`
  return {
    url,
    errors,
    async [Symbol.asyncDispose]() {
      await app.stop(true)
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests pin bodies with toEqual, not with types.
export type Answer = { status: number; body: any }

/** Any JSON request; answers the status and the parsed body. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

/** `POST /payments` the way the worker does: the order id is the idempotency key. */
export function charge(url: string, orderId: string, amount = 49_000, key = orderId) {
  return call(url, 'POST', '/payments', { orderId, amount }, { 'idempotency-key': key })
}

export function control(url: string, change: Partial<Settings>) {
  return call(url, 'POST', '/control', change)
}

/** A prefix of its own per test, so ids never collide across tests in one sandbox. */
export const fresh = (label: string) => `${label}-${crypto.randomUUID()}`

/** An address no other test writes to. */
export const freshAddress = () => `${fresh('buyer')}@flash.test`

/** The e-mails the sandbox holds for one address, newest first as GET /emails lists them. */
export async function inboxOf(url: string, to: string) {
  return (await call(url, 'GET', `/emails?to=${encodeURIComponent(to)}`)).body.items
}
