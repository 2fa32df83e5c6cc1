import { EMAIL_GROUP } from '../consumers/email.ts'
import { ORDER_WRITER_GROUP } from '../consumers/order-writer.ts'
import { PAYMENT_GROUP } from '../consumers/payment.ts'
import { REFUND_GROUP } from '../consumers/refund.ts'
import { ROLLBACK_GROUP } from '../consumers/rollback.ts'
import { SHIPPING_GROUP } from '../consumers/shipping.ts'

/**
 * Every consumer group the worker runs on each partition, as [stream type,
 * group] (the streams `startWorker` gives its consumers): recovery creates
 * them again from the stream's start before a rebuilt partition takes
 * orders.
 */
export const CONSUMER_GROUPS = [
  ['orders', ORDER_WRITER_GROUP],
  ['payments', PAYMENT_GROUP],
  ['refunds', REFUND_GROUP],
  ['rollbacks', ROLLBACK_GROUP],
  ['shipping', SHIPPING_GROUP],
  ['emails', EMAIL_GROUP],
] as const
