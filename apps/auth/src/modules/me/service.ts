import type { ResultAsync } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import type { AuthError } from '../../errors.ts'
import { type Profile, readProfile } from '../accounts/service.ts'
import type { RecentOrder } from './recent-orders.ts'

export type Me = Profile & { orders: RecentOrder[]; ordersAvailable: boolean }

/**
 * The caller's decrypted profile and recent orders. The orders come through
 * the breaker, which never fails: without checkout the answer still comes,
 * with `orders: []` and `ordersAvailable: false`.
 *
 * @example
 * await readMe(deps, userId) // ok({ id, email, name, phone, address, orders, ordersAvailable })
 */
export function readMe(deps: AuthDeps, userId: string): ResultAsync<Me, AuthError> {
  // Asked at once, not after the profile: the two waits overlap. It never rejects.
  const recent = deps.recentOrders(userId)
  return readProfile(deps, userId).map(async (profile) => {
    const { orders, available } = await recent
    return { ...profile, orders, ordersAvailable: available }
  })
}
