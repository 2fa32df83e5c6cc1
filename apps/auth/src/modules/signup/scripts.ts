import type { RedisClient } from '@flash/redis'
import type { Result } from 'ioredis'
import resendCodeLua from './lua/resend-code.lua' with { type: 'text' }
import startSignupLua from './lua/start-signup.lua' with { type: 'text' }

/** start-signup.lua's answer. */
export type StartReply = ['started'] | ['waiting', string, number]

/** resend-code.lua's answer. */
export type ResendReply = ['sent'] | ['changed'] | ['limited', number]

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** start-signup.lua: pending key, emails stream, record, ttl, then the e-mail's fields. */
    startSignup(
      pending: string,
      emails: string,
      record: string,
      ttlSeconds: number,
      ...email: string[]
    ): Result<StartReply, Context>
    /** resend-code.lua: pending key, emails stream, record read, new record, max sends, then the e-mail's fields. */
    resendCode(
      pending: string,
      emails: string,
      readRecord: string,
      newRecord: string,
      maxSends: number,
      ...email: string[]
    ): Result<ResendReply, Context>
  }
}

/**
 * Registers the signup scripts as commands of auth's connection (EVALSHA,
 * falling back to EVAL). They live with auth, not in @flash/redis, because
 * the keys they touch are auth's own (`shared/keys.ts`).
 *
 * @example
 * registerSignupScripts(redis)
 * await redis.startSignup(pendingKey, emailsKey, record, 600, ...fields)
 */
export function registerSignupScripts(redis: RedisClient): void {
  if (typeof (redis as Partial<Pick<RedisClient, 'startSignup'>>).startSignup === 'function') return
  redis.defineCommand('startSignup', { numberOfKeys: 2, lua: startSignupLua })
  redis.defineCommand('resendCode', { numberOfKeys: 2, lua: resendCodeLua })
}
