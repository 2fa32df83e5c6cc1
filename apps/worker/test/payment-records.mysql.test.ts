import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { orders, type PaymentStatus, payments } from '@flash/db'
import { createBuyers, type TestDatabase, testDatabase } from '@flash/testing'
import { eq } from 'drizzle-orm'
import type { WorkerContext } from '../src/context.ts'
import { recordPayments } from '../src/payment-records.ts'

let database: TestDatabase
let ctx: WorkerContext
beforeAll(async () => {
  database = await testDatabase()
  ctx = { db: database.db } as WorkerContext
})
afterAll(() => database[Symbol.asyncDispose]())

async function newOrder(): Promise<string> {
  const [buyer] = (await createBuyers(database.db, 1)) as [string]
  const id = Bun.randomUUIDv7()
  const now = new Date()
  await database.db.insert(orders).values({
    id,
    userId: buyer,
    status: 'pending',
    total: 100,
    idempotencyKey: 'k',
    createdAt: now,
    updatedAt: now,
  })
  return id
}

/** Records the statuses one after the other, as racing consumers might, and answers what is kept. */
async function afterRecording(sequence: [PaymentStatus, string | null][]) {
  const orderId = await newOrder()
  for (const [status, providerRef] of sequence)
    await recordPayments(ctx, [
      {
        orderId,
        amount: 100,
        status,
        providerRef,
        refundedAt: status === 'refunded' ? new Date('2026-12-01T10:00:00Z') : null,
      },
    ])
  const [row] = await database.db.select().from(payments).where(eq(payments.orderId, orderId))
  return { status: row?.status, providerRef: row?.providerRef, refundedAt: row?.refundedAt }
}

describe('payment records only move forward', () => {
  it('lets a decided charge replace a guess, and a refund replace a charge', async () => {
    expect(
      await afterRecording([
        ['unknown', null],
        ['succeeded', 'pay_1'],
      ]),
    ).toEqual({
      status: 'succeeded',
      providerRef: 'pay_1',
      refundedAt: null,
    })
    expect(
      await afterRecording([
        ['none', null],
        ['succeeded', 'pay_2'],
      ]),
    ).toMatchObject({
      status: 'succeeded',
    })
    expect(
      await afterRecording([
        ['succeeded', 'pay_3'],
        ['refunded', 'pay_3'],
      ]),
    ).toEqual({
      status: 'refunded',
      providerRef: 'pay_3',
      refundedAt: new Date('2026-12-01T10:00:00Z'),
    })
  })

  it('never lets a replayed or late answer undo a refund or a decided charge', async () => {
    expect(
      await afterRecording([
        ['refunded', 'pay_4'],
        ['succeeded', 'pay_4'],
        ['unknown', null],
      ]),
    ).toMatchObject({ status: 'refunded', providerRef: 'pay_4' })
    expect(
      await afterRecording([
        ['succeeded', 'pay_5'],
        ['unknown', null],
        ['none', null],
      ]),
    ).toMatchObject({ status: 'succeeded', providerRef: 'pay_5' })
    expect(
      await afterRecording([
        ['declined', 'pay_6'],
        ['none', null],
      ]),
    ).toMatchObject({ status: 'declined', providerRef: 'pay_6' })
  })
})
