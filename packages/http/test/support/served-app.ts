/**
 * A small app served the way every app's `index.ts` serves one, for tests
 * that must reach Bun's own HTTP handling: `bun packages/http/test/support/served-app.ts`.
 */
import { errorBody } from '@flash/contracts'
import { Elysia, t } from 'elysia'
import { serve, service } from '../../src/index.ts'

const app = new Elysia({ normalize: false })
  .use(
    service({
      name: 'served',
      maxBodyBytes: 1024,
      answerEarly: {
        method: 'POST',
        path: '/orders',
        answer: (body) =>
          (body as { saleId?: unknown } | null)?.saleId === 'gone'
            ? { status: 409, body: errorBody('sold_out', 'this sale is sold out') }
            : undefined,
      },
    }),
  )
  .get('/orders', () => ({ route: 'GET /orders' }))
  .post('/orders', ({ body }) => ({ route: 'POST /orders', saleId: body.saleId }), {
    body: t.Object({ saleId: t.String() }),
  })
  .post('/notes', ({ body }) => ({ route: 'POST /notes', text: body.text }), {
    body: t.Object({ text: t.String() }),
  })
  .get('/internal/users/:id/orders', ({ params }) => ({ route: 'internal', id: params.id }))
  // Which process of a port group answered.
  .get('/pid', () => ({ pid: process.pid }))

await serve(app, {
  name: Bun.env.SERVICE_NAME || 'served',
  port: Number(Bun.env.PORT),
  host: Bun.env.HOST ?? '127.0.0.1',
  portGroup: Bun.env.REUSE_PORT_GROUP,
})
