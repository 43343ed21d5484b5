import type { ServerConfig } from "../config/server-config.js";
import { ConfigurationError } from "../config/server-config.js";
import { createApiKeyAuthenticator } from "./api-key-authenticator.js";
import type { Authenticator } from "./authenticator.js";
import { createDevHeadersAuthenticator } from "./dev-headers-authenticator.js";
import { createJwtAuthenticator, MINIMUM_JWT_SECRET_BYTES } from "./jwt-authenticator.js";

/** Side channels of {@link createAuthenticatorFromConfig}. */
export interface CreateAuthenticatorOptions {
  /** Receives warnings (e.g. keys-file reload failures). @default console.error */
  log?: (message: string) => void;
}

/**
 * Builds the authenticator `RELAY_AUTH` names. `dev-headers` is refused under
 * `NODE_ENV=production` unless `RELAY_ALLOW_DEV_HEADERS=true`.
 * @throws ConfigurationError naming the missing or contradictory variables.
 * @throws ApiKeyFileError when the keys file is missing or malformed.
 */
export async function createAuthenticatorFromConfig(
  config: ServerConfig,
  options: CreateAuthenticatorOptions = {},
): Promise<Authenticator> {
  switch (config.RELAY_AUTH) {
    case "dev-headers":
      if (config.NODE_ENV === "production" && !config.RELAY_ALLOW_DEV_HEADERS) {
        throw new ConfigurationError([
          "RELAY_AUTH: dev-headers lets any caller claim any user and is refused when NODE_ENV=production; set RELAY_AUTH=api-key or jwt (or RELAY_ALLOW_DEV_HEADERS=true to force it)",
        ]);
      }
      return createDevHeadersAuthenticator();
    case "api-key":
      if (!config.RELAY_API_KEYS_FILE) {
        throw new ConfigurationError([
          "RELAY_API_KEYS_FILE: required by RELAY_AUTH=api-key (create one with `relay-server keys create --user ID`)",
        ]);
      }
      return createApiKeyAuthenticator({
        file: config.RELAY_API_KEYS_FILE,
        ...(options.log ? { log: options.log } : {}),
      });
    case "jwt": {
      const secret = config.RELAY_JWT_SECRET;
      const jwksUrl = config.RELAY_JWKS_URL;
      if (Boolean(secret) === Boolean(jwksUrl)) {
        throw new ConfigurationError([
          "RELAY_JWT_SECRET / RELAY_JWKS_URL: RELAY_AUTH=jwt needs exactly one of them",
        ]);
      }
      if (secret && new TextEncoder().encode(secret).byteLength < MINIMUM_JWT_SECRET_BYTES) {
        throw new ConfigurationError([
          `RELAY_JWT_SECRET: must be at least ${MINIMUM_JWT_SECRET_BYTES} bytes for HS256`,
        ]);
      }
      return createJwtAuthenticator({
        secret,
        jwksUrl,
        issuer: config.RELAY_JWT_ISSUER,
        audience: config.RELAY_JWT_AUDIENCE?.split(",")
          .map((audience) => audience.trim())
          .filter(Boolean),
        clockToleranceSeconds: config.RELAY_JWT_CLOCK_TOLERANCE,
        rolesClaim: config.RELAY_JWT_ROLES_CLAIM,
      });
    }
  }
}
