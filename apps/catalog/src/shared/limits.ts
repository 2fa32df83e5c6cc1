/**
 * Upper bounds of what the catalog accepts. Prices stay far below 2^53 even
 * when multiplied by an order's quantity (the reserve script computes totals
 * in Lua doubles), and counts fit MySQL's unsigned int columns.
 */
export const limits = {
  maxPrice: 1_000_000_000_000,
  maxUnits: 1_000_000_000,
  maxNameLength: 200,
  maxDescriptionLength: 5_000,
  pageSize: { default: 20, max: 100 },
} as const
