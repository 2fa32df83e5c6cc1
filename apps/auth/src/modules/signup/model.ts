import { t } from 'elysia'

const email = t.String({
  format: 'email',
  maxLength: 254,
  description: 'compared case-insensitively',
})

/** Long enough that guessing beats nobody's rate limit; short of a passphrase ban. */
export const PASSWORD_MIN_LENGTH = 10

export const SignupModel = {
  signupBody: t.Object(
    {
      email,
      password: t.String({
        minLength: PASSWORD_MIN_LENGTH,
        maxLength: 200,
        description: `at least ${PASSWORD_MIN_LENGTH} characters`,
      }),
      name: t.String({ minLength: 1, maxLength: 200, description: 'encrypted at rest' }),
      phone: t.Optional(
        t.String({
          minLength: 1,
          maxLength: 32,
          pattern: '^[0-9+() .-]+$',
          description: 'encrypted at rest',
        }),
      ),
      address: t.Optional(
        t.String({ minLength: 1, maxLength: 500, description: 'encrypted at rest' }),
      ),
    },
    { description: '{email, password, name, phone?, address?}' },
  ),
  verifyBody: t.Object(
    {
      email,
      code: t.String({ pattern: '^[0-9]{6}$', description: 'the 6 digits the e-mail carried' }),
    },
    { description: '{email, code}' },
  ),
  sent: t.Object({ status: t.Literal('verification_sent') }),
  verified: t.Object({ userId: t.String() }),
}

export type SignupBody = typeof SignupModel.signupBody.static
export type VerifyBody = typeof SignupModel.verifyBody.static
