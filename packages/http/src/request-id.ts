/** Short and printable: a UUID, a ULID, or a load balancer's own id fits; a control byte or a page of text does not. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The request id to use for a request: the one it carries when that is a
 * short, printable token, otherwise a fresh UUIDv7. An id is echoed in the
 * answer's headers and written to logs, so one a client chose freely could
 * break the answer (a DEL byte makes Bun's fetch refuse the whole response)
 * or a log line.
 *
 * @example
 * acceptRequestId('0190c9a2-...') // '0190c9a2-...'
 * acceptRequestId('bad\x7fid') // a fresh UUIDv7
 */
export function acceptRequestId(header: string | null): string {
  return header !== null && ACCEPTED.test(header) ? header : Bun.randomUUIDv7()
}
