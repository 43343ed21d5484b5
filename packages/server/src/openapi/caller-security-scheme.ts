/** How callers authenticate (`RELAY_AUTH`), as the OpenAPI document describes it. */
export type CallerAuthentication = "dev-headers" | "api-key" | "jwt";

/** Name of the security scheme that identifies callers, in `components.securitySchemes`. */
export const CALLER_SECURITY_SCHEME = "caller";

/**
 * The OpenAPI security scheme of the configured authenticator: the `user_id` header for
 * `dev-headers`, a bearer API key for `api-key`, a bearer JWT for `jwt`.
 */
export function callerSecurityScheme(
  authentication: CallerAuthentication,
): Record<string, unknown> {
  switch (authentication) {
    case "dev-headers":
      return {
        type: "apiKey",
        in: "header",
        name: "user_id",
        description:
          "Development identity (the seed's): the `user_id` header names the caller, `session_id` its session. Anyone can claim any user: not for production.",
      };
    case "api-key":
      return {
        type: "http",
        scheme: "bearer",
        description: "An API key (`wrk_…`) created with `relay-server keys create`.",
      };
    case "jwt":
      return {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "A JWT from the configured issuer; roles come from `RELAY_JWT_ROLES_CLAIM`.",
      };
  }
}
