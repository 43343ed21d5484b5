/**
 * The user id that owns glyph names published by the operator: those of the module directory
 * (`RELAY_MODULE_DIR`, the bundled examples) and of `relay-server modules add --name`.
 */
export const OPERATOR_USER_ID = "relay:operator";
