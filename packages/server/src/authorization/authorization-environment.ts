import {
  environmentChoice,
  environmentInteger,
  environmentText,
  environmentUrl,
} from "../identity/environment-values.js";

/** The authorizers `RELAY_AUTHORIZER` can name. */
export const AUTHORIZER_KINDS = ["allow-all", "policy-file", "http"] as const;

/** One of {@link AUTHORIZER_KINDS}. */
export type AuthorizerKind = (typeof AUTHORIZER_KINDS)[number];

/**
 * Environment variables of authorization ("Antigone"), spread into the server's configuration
 * schema. Which ones are required depends on `RELAY_AUTHORIZER`; `createAuthorizerFromConfig`
 * checks that.
 */
export const authorizationEnvironmentShape = {
  /** Who decides permissions: `allow-all`, `policy-file` or `http`. @default "allow-all" */
  RELAY_AUTHORIZER: environmentChoice("RELAY_AUTHORIZER", AUTHORIZER_KINDS, "allow-all"),
  /** Rules of `policy-file` (JSON, or YAML when named `.yaml`/`.yml`). */
  RELAY_POLICY_FILE: environmentText,
  /** Decision point of `http` (plain `{allowed, reason}`, or OPA's `/v1/data/...`). */
  RELAY_AUTHORIZER_URL: environmentUrl("RELAY_AUTHORIZER_URL"),
  /** Wire format of `http`: `plain`, `opa`, or `auto` (OPA when the path holds `/v1/data/`). @default "auto" */
  RELAY_AUTHORIZER_FORMAT: environmentChoice(
    "RELAY_AUTHORIZER_FORMAT",
    ["auto", "plain", "opa"] as const,
    "auto",
  ),
  /** Bearer token sent to the decision point, when set. */
  RELAY_AUTHORIZER_TOKEN: environmentText,
  /** Longest wait for a decision before failing closed. @unit milliseconds @default 1000 */
  RELAY_AUTHORIZER_TIMEOUT: environmentInteger("RELAY_AUTHORIZER_TIMEOUT", 1000, 1, 60_000),
  /** How long a decision is reused for the same input; 0 disables. @unit milliseconds @default 5000 */
  RELAY_AUTHORIZER_CACHE_TTL: environmentInteger("RELAY_AUTHORIZER_CACHE_TTL", 5000, 0, 3_600_000),
};
