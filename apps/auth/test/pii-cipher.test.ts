import { describe, expect, it } from 'bun:test'
import { decryptPii, describePiiError, encryptPii, keyIdOf } from '../src/shared/pii/cipher.ts'
import { parseKeyring } from '../src/shared/pii/keyring.ts'
import { testKeyring } from './helpers.ts'

const context = 'users.name_enc:0190c3d2-0000-7000-8000-000000000001'

describe('encryptPii and decryptPii', () => {
  it('round-trips a value under the current key and names that key in the value', () => {
    const keyring = testKeyring('k2', 'k1')

    const sealed = encryptPii(keyring, 'Jane Doe, 서울시 강남구', context)

    expect(sealed).toMatch(/^v1\.k2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('Jane')
    expect(keyIdOf(sealed)).toBe('k2')
    expect(decryptPii(keyring, sealed, context)._unsafeUnwrap()).toBe('Jane Doe, 서울시 강남구')
  })

  it('uses a fresh IV each time, so equal values do not look equal', () => {
    const keyring = testKeyring()

    expect(encryptPii(keyring, 'same', context)).not.toBe(encryptPii(keyring, 'same', context))
  })

  it('still decrypts values written under an older key of the ring', () => {
    const old = testKeyring('k1')
    const sealed = encryptPii(old, 'Jane', context)
    const spec = `k2:${Buffer.alloc(32, 9).toString('base64')},k1:${old.current.key.toString('base64')}`

    expect(decryptPii(parseKeyring(spec)._unsafeUnwrap(), sealed, context)._unsafeUnwrap()).toBe(
      'Jane',
    )
  })

  it('refuses a tampered ciphertext with an error that says what happened', () => {
    const keyring = testKeyring('k1')
    const [version, kid, iv, body = ''] = encryptPii(keyring, 'Jane Doe', context).split('.')
    const bytes = Buffer.from(body, 'base64url')
    bytes[0] = (bytes[0] ?? 0) ^ 1
    const tampered = [version, kid, iv, bytes.toString('base64url')].join('.')

    const result = decryptPii(keyring, tampered, context)

    expect(result._unsafeUnwrapErr()).toEqual({ type: 'Tampered', keyId: 'k1' })
    expect(describePiiError(result._unsafeUnwrapErr(), 'users.name_enc of u1')).toBe(
      'cannot decrypt users.name_enc of u1: authentication failed under key k1 (the value was altered, moved from another row, or encrypted under another key of that id)',
    )
  })

  it('refuses a value moved to another row or column', () => {
    const keyring = testKeyring('k1')
    const sealed = encryptPii(keyring, 'Jane Doe', context)

    expect(decryptPii(keyring, sealed, 'users.name_enc:someone-else')._unsafeUnwrapErr()).toEqual({
      type: 'Tampered',
      keyId: 'k1',
    })
    expect(
      decryptPii(keyring, sealed, context.replace('name_enc', 'phone_enc'))._unsafeUnwrapErr(),
    ).toEqual({ type: 'Tampered', keyId: 'k1' })
  })

  it('refuses a value under a key the ring does not hold, naming the key', () => {
    const sealed = encryptPii(testKeyring('gone'), 'Jane', context)
    const error = decryptPii(testKeyring('k1'), sealed, context)._unsafeUnwrapErr()

    expect(error).toEqual({ type: 'UnknownKey', keyId: 'gone' })
    expect(describePiiError(error, 'x')).toBe(
      'cannot decrypt x: it was encrypted under key gone, which PII_KEYS does not list',
    )
  })

  it.each([
    ['plaintext', 'Jane Doe'],
    ['another version', 'v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['no tag', 'v1.k1.AAAAAAAAAAAAAAAA.AAAA'],
    ['too many parts', 'v1.k1.a.b.c'],
  ])('calls %s malformed', (_, value) => {
    expect(decryptPii(testKeyring('k1'), value, context)._unsafeUnwrapErr()).toEqual({
      type: 'Malformed',
    })
  })
})

describe('parseKeyring', () => {
  const key = (fill: number) => Buffer.alloc(32, fill).toString('base64')

  it('makes the first key current and keeps every key for decryption', () => {
    const keyring = parseKeyring(` k2:${key(2)} , k1:${key(1)}`)._unsafeUnwrap()

    expect(keyring.current.id).toBe('k2')
    expect([...keyring.keys.keys()]).toEqual(['k2', 'k1'])
  })

  it.each([
    [
      'an empty value',
      '',
      'each entry must be <id>:<base64 key> with an id of [A-Za-z0-9_-], got ""',
    ],
    [
      'no id',
      `:${key(1)}`,
      'each entry must be <id>:<base64 key> with an id of [A-Za-z0-9_-], got ""',
    ],
    ['a key without an id', key(1), expect.stringContaining('each entry must be')],
    ['an id with a dot', `k.1:${key(1)}`, expect.stringContaining('got "k.1"')],
    ['a short key', 'k1:c2hvcnQ=', 'key k1 must be 32 bytes (AES-256), got 5'],
    ['an id twice', `k1:${key(1)},k1:${key(2)}`, 'key id k1 appears twice'],
  ])('refuses %s', (_, spec, message) => {
    expect(parseKeyring(spec)._unsafeUnwrapErr()).toEqual(message)
  })
})
