import type { EmailRequested } from '@flash/contracts'

/**
 * Subject and text of each kind of e-mail. Plain text on purpose: it is
 * what every client shows, and there is no design system to honour yet.
 *
 * @example
 * render({ type: 'email.requested', kind: 'order_paid', key, orderId }) // { subject, text }
 */
export function render(event: EmailRequested): { subject: string; text: string } {
  const order = event.orderId ?? ''
  switch (event.kind) {
    case 'order_paid':
      return { subject: 'Your order is paid', text: `Order ${order} is paid. It ships tomorrow.` }
    case 'order_failed':
      return {
        subject: 'Your order could not be completed',
        text: `Order ${order} could not be completed: its payment was declined or did not come through in time, and the item is back on sale. If any charge was made for it, we refund it and e-mail you when the refund is done.`,
      }
    case 'order_cancelled':
      return {
        subject: 'Your order is cancelled',
        text: `Order ${order} is cancelled and the item is back on sale. If you were charged, we refund it and e-mail you when the refund is done.`,
      }
    case 'order_shipping':
      return { subject: 'Your order is on its way', text: `Order ${order} has shipped.` }
    case 'order_delivered':
      return {
        subject: 'Your order was delivered',
        text: `Order ${order} was delivered. You can ask to return it within a day.`,
      }
    case 'order_returned':
      return {
        subject: 'Your return is complete',
        text: `The return of order ${order} is complete. We refund your payment and e-mail you when the refund is done.`,
      }
    case 'order_refunded':
      return {
        subject: 'Your payment was refunded',
        text: `The payment for order ${order} has been refunded.`,
      }
    case 'verification_code': {
      const code = (JSON.parse(event.data ?? '{}') as { code?: string }).code ?? ''
      return {
        subject: `Your verification code: ${code}`,
        text: `Your flash-sale verification code is ${code}. Entering it creates the account just asked for with this address, with the password chosen then; it expires within 10 minutes and replaces any code sent before. If you did not sign up, ignore this e-mail and do not enter the code: no account is made without it.`,
      }
    }
  }
}
