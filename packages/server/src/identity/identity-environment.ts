import { z } from "zod";
import {
  environmentChoice,
  environmentFlag,
  environmentInteger,
  environmentText,
  environmentUrl,
} from "./environment-values.js";
import { rateLimitByRoleSchema } from "./rate-limit-by-role.js";

/** The authenticators `RELAY_AUTH` can name. */
export const AUTHENTICATOR_KINDS = ["dev-headers", "api-key", "jwt"] as const;

/** One of {@link AUTHENTICATOR_KINDS}. */
export type AuthenticatorKind = (typeof AUTHENTICATOR_KINDS)[number];

/**
 * Environment variables of identity (spread into the server's configuration schema).
 * Which ones are required depends on `RELAY_AUTH`; `createAuthenticatorFromConfig` checks that.
 */
export const identityEnvironmentShape = {
  /** How callers are identified: `dev-headers`, `api-key` or `jwt`. @default "dev-headers" */
  RELAY_AUTH: environmentChoice("RELAY_AUTH", AUTHENTICATOR_KINDS, "dev-headers"),
  /** Lets `RELAY_AUTH=dev-headers` run when `NODE_ENV=production`. @default false */
  RELAY_ALLOW_DEV_HEADERS: environmentFlag("RELAY_ALLOW_DEV_HEADERS"),
  /** JSON file of hashed API keys (`relay-server keys create` writes it). Required by `api-key`. */
  RELAY_API_KEYS_FILE: environmentText,
  /** Shared HS256 secret of `jwt` (at least 32 bytes). Set this or `RELAY_JWKS_URL`. */
  RELAY_JWT_SECRET: environmentText,
  /** JWKS document of `jwt`'s signing keys (asymmetric algorithms). Set this or `RELAY_JWT_SECRET`. */
  RELAY_JWKS_URL: environmentUrl("RELAY_JWKS_URL"),
  /** Required `iss` of tokens, when set. */
  RELAY_JWT_ISSUER: environmentText,
  /** Accepted audiences of tokens, comma-separated (the token's `aud` must name one), when set. */
  RELAY_JWT_AUDIENCE: environmentText,
  /** Clock skew tolerated on `exp`, `nbf` and `iat`. @unit seconds @default 30 */
  RELAY_JWT_CLOCK_TOLERANCE: environmentInteger("RELAY_JWT_CLOCK_TOLERANCE", 30, 0, 300),
  /** Claim holding the caller's roles (dots walk into objects, e.g. `realm_access.roles`). @default "roles" */
  RELAY_JWT_ROLES_CLAIM: z.string().trim().min(1).default("roles"),
  /**
   * Role whose holders act as the operator: they publish names owned by `relay:operator` (the
   * module directory's names among them) and may publish under any scope. A role comes from the
   * API keys file or the JWT roles claim, never from a user id; dev-headers callers hold none.
   * @default "operator"
   */
  RELAY_OPERATOR_ROLE: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9._:@-]{1,128}$/,
      "RELAY_OPERATOR_ROLE: must be 1-128 letters, digits or . _ : @ -",
    )
    .default("operator"),
  /** Per-role rate limits, `role=limit` pairs: `admin=1000,batch=100`. @default none */
  RELAY_RATE_LIMIT_BY_ROLE: rateLimitByRoleSchema,
};
