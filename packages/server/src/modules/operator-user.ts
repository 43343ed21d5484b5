import type { Identity } from "@wasm-relay/core";

/**
 * The owner recorded for glyph names published by the operator: those of the module directory
 * (`RELAY_MODULE_DIR`, the bundled examples), of `relay-server modules add --name`, and of
 * callers holding the operator role. It is an owner, not a credential: no caller becomes the
 * operator by carrying this id (see {@link isOperator} and {@link isReservedUserId}).
 */
export const OPERATOR_USER_ID = "relay:operator";

/** Prefix of the user ids the relay keeps for itself (`relay:operator`, …). */
export const RESERVED_USER_ID_PREFIX = "relay:";

/** Default of `RELAY_OPERATOR_ROLE`: the role whose holders act as the operator. */
export const DEFAULT_OPERATOR_ROLE = "operator";

/**
 * Whether a caller acts as the operator: it holds `operatorRole` (granted by the API keys file
 * or the JWT roles claim). A user id never makes a caller the operator.
 */
export function isOperator(identity: Identity, operatorRole: string): boolean {
  return identity.roles.includes(operatorRole);
}

/** Whether a user id is one the relay keeps for itself: a caller carrying one may not publish. */
export function isReservedUserId(userId: string): boolean {
  return userId.startsWith(RESERVED_USER_ID_PREFIX);
}
