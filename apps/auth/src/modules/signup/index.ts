import { clientAddress } from '@flash/http'
import { Elysia } from 'elysia'
import type { AuthDeps } from '../../deps.ts'
import { refuseWith } from '../../errors.ts'
import { SignupModel } from './model.ts'
import { signUp, verifySignup } from './service.ts'

/**
 * `/auth/signup` and `/auth/verify`: an account exists once its e-mailed code came back.
 *
 * @example
 * new Elysia().use(signupController(deps, env.SERVICE_TOKEN, console.error))
 */
export function signupController(
  deps: AuthDeps,
  /** The gateway's credential: X-Forwarded-For is believed only from a request carrying it. */
  serviceToken: string | undefined,
  log: (line: string) => void,
) {
  const refuse = refuseWith(log)
  return new Elysia({ prefix: '/auth' })
    .post(
      '/signup',
      async ({ body, request, server, status }) =>
        (await signUp(deps, body, clientAddress(request, server, serviceToken))).match(
          () => status(202, { status: 'verification_sent' as const }),
          refuse,
        ),
      {
        body: SignupModel.signupBody,
        detail: {
          summary: 'Start a signup; a 6-digit code is e-mailed (valid 10 min, 5 tries)',
          description:
            'While a signup waits for its code, the same password again e-mails a new code for it (3 e-mails at most, then 429); another password is answered 409 signup_pending and changes nothing.',
        },
      },
    )
    .post(
      '/verify',
      async ({ body, request, server, status }) =>
        (await verifySignup(deps, body, clientAddress(request, server, serviceToken))).match(
          (account) => status(201, account),
          refuse,
        ),
      {
        body: SignupModel.verifyBody,
        detail: { summary: 'Create the account with the e-mailed code' },
      },
    )
}
