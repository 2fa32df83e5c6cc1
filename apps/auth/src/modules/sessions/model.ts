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
  session: t.Object({
    accessToken: t.String({ description: 'HS256 JWT for `Authorization: Bearer`' }),
    refreshToken: t.String({ description: 'opaque; only POST /auth/refresh reads it' }),
    expiresIn: t.Integer({ description: 'seconds until the access token expires' }),
  }),
}

export type LoginBody = typeof SessionModel.loginBody.static
export type Session = typeof SessionModel.session.static
