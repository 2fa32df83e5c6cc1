import { t } from 'elysia'

export const SessionModel = {
  loginBody: t.Object(
    {
      email: t.String({
        format: 'email',
        maxLength: 254,
        description: 'compared case-insensitively',
      }),
      password: t.String({ minLength: 1, maxLength: 200 }),
    },
    { description: '{email, password}' },
  ),
  refreshBody: t.Object(
    {
      refreshToken: t.String({
        minLength: 1,
        // Roomy on purpose: a token of the wrong kind (an access token) is refused as invalid_token.
        maxLength: 2048,
        description: 'the latest refresh token of the session; each works once',
      }),
    },
    { description: '{refreshToken}' },
  ),
  session: t.Object({
    accessToken: t.String({ description: 'HS256 JWT for `Authorization: Bearer`' }),
    refreshToken: t.String({ description: 'opaque; only POST /auth/refresh reads it' }),
    expiresIn: t.Integer({ description: 'seconds until the access token expires' }),
  }),
}

export type LoginBody = typeof SessionModel.loginBody.static
export type Session = typeof SessionModel.session.static
