import { MAX_PRICE } from '@flash/contracts'

/**
 * Upper bounds of what the catalog accepts: prices keep every order's total
 * exact (see MAX_PRICE), and counts fit MySQL's unsigned int columns.
 */
export const limits = {
  maxPrice: MAX_PRICE,
  maxUnits: 1_000_000_000,
  /** A sane bound on a sale's buckets; the deployment's partition count is the real one. */
  maxBuckets: 64,
  maxNameLength: 200,
  maxDescriptionLength: 5_000,
  pageSize: { default: 20, max: 100 },
} as const
