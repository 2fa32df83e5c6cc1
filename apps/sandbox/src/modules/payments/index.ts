import { Elysia } from 'elysia'
import { refuse } from '../../errors.ts'
import { PaymentModel } from './model.ts'
import type { Payments } from './service.ts'

/**
 * `/payments`: the provider API the worker calls (charge, refund) and the
 * read-outs tests assert on (list, stats).
 *
 * @example
 * new Elysia().use(paymentsController(new Payments(settings)))
 */
export function paymentsController(payments: Payments) {
  return new Elysia({ prefix: '/payments' })
    .post(
      '/',
      ({ body, headers }) =>
        payments
          .charge(body, headers['idempotency-key'])
          .match(({ charge, loseAnswer }) => (loseAnswer ? droppedAnswer() : charge), refuse),
      {
        body: PaymentModel.chargeBody,
        headers: PaymentModel.chargeHeaders,
        detail: { summary: 'Charge once per Idempotency-Key; a repeat answers the first answer' },
      },
    )
    .post(
      '/:id/refund',
      // The worker sends `{}` and an Idempotency-Key; the payment id alone makes a refund idempotent.
      ({ params }) => payments.refund(params.id).match((refund) => refund, refuse),
      {
        params: PaymentModel.paymentParams,
        detail: { summary: 'Refund a succeeded payment; a repeat answers the same refund' },
      },
    )
    .get('/', ({ query }) => ({ items: payments.list(query.orderId) }), {
      query: PaymentModel.listQuery,
      detail: { summary: 'Every recorded charge, oldest first, with its refund' },
    })
    .get('/stats', () => payments.stats(), {
      detail: { summary: 'Counts of charges, declines, refunds and distinct orders' },
    })
}

/**
 * The connection drops mid-answer: headers go out, the body never completes,
 * so the caller cannot tell whether it was charged (it was).
 */
function droppedAnswer(): Response {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"id":'))
      controller.error(new Error('sandbox: answer dropped on purpose (lostAnswer), not a fault'))
    },
  })
  return new Response(body, { headers: { 'content-type': 'application/json' } })
}
