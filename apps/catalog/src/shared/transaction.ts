import type { Db } from '@flash/db/client'
import { errAsync, ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../deps.ts'
import type { CatalogError } from '../errors.ts'

/** The handle a transaction body queries through. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/** Lets a transaction body register how to undo what it did outside MySQL. */
export type Compensations = { add(what: string, undo: () => Promise<unknown>): void }

/** Carries a refusal out of Drizzle's callback, which only rolls back on a throw. */
class Rollback {
  constructor(readonly error: CatalogError) {}
}

/**
 * Wraps one driver promise, once, at the adapter: a failing query is the
 * database being unavailable, never the client's fault.
 *
 * @example
 * fromDb(db.select().from(products).where(eq(products.id, id)))
 */
export function fromDb<T>(query: PromiseLike<T>): ResultAsync<T, CatalogError> {
  return ResultAsync.fromPromise(query, (cause): CatalogError => ({ type: 'Unavailable', cause }))
}

/**
 * Runs `work` in one MySQL transaction that commits only if it returns ok.
 * Redis writes cannot join the transaction, so they happen before the commit
 * and register an undo: if the body refuses, a later step fails or the
 * commit itself fails, the undos run (newest first) and nothing is left
 * half-done. An undo that fails is logged as drift for reconciliation.
 *
 * @example
 * inTransaction(deps, (tx, compensations) =>
 *   fromDb(tx.insert(products).values(row)).andThen(() => publish(deps, row, compensations)))
 */
export function inTransaction<T>(
  deps: Pick<CatalogDeps, 'db' | 'log'>,
  work: (tx: Tx, compensations: Compensations) => ResultAsync<T, CatalogError>,
): ResultAsync<T, CatalogError> {
  const undos: { what: string; undo: () => Promise<unknown> }[] = []
  const compensations: Compensations = { add: (what, undo) => undos.push({ what, undo }) }
  const run = deps.db.transaction(async (tx) => {
    const result = await work(tx, compensations)
    if (result.isErr()) throw new Rollback(result.error)
    return result.value
  })
  return ResultAsync.fromPromise(
    run,
    (cause): CatalogError =>
      cause instanceof Rollback ? cause.error : { type: 'Unavailable', cause },
  ).orElse((error) =>
    ResultAsync.fromSafePromise(undoAll(undos.reverse(), deps.log)).andThen(() => errAsync(error)),
  )
}

async function undoAll(
  undos: { what: string; undo: () => Promise<unknown> }[],
  log: (line: string) => void,
): Promise<void> {
  for (const { what, undo } of undos) {
    try {
      await undo()
    } catch (cause) {
      log(`[catalog] drift: could not ${what} after a rollback: ${String(cause)}`)
    }
  }
}
