/**
 * Counter of decisions the memory stores made because Redis was unavailable.
 * Labels: `store` = `rate_limit` | `idempotency`.
 */
export const STORE_FALLBACK_METRIC = "relay.store.fallback";
