/** The most units one order may ask for (checkout's body schema). */
export const MAX_ORDER_QUANTITY = 1_000

/**
 * The highest price the catalog accepts, in minor units. Price times
 * MAX_ORDER_QUANTITY stays below 2^53, so every order's total is an exact
 * integer in Lua's doubles and JavaScript's numbers (a test checks it; the
 * reserve script also refuses a total above 2^53 - 1 rather than round it).
 */
export const MAX_PRICE = 1_000_000_000_000
