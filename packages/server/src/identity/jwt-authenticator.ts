import type { Identity } from "@wasm-relay/core";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { httpProblem } from "../http/http-problem.js";
import type { Authenticator } from "./authenticator.js";
import { bearerChallenge, readBearerToken } from "./bearer-token.js";

/** Algorithms accepted from a JWKS: asymmetric only, so a public key can never act as an HMAC secret. */
export const JWKS_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/** Smallest HS256 secret accepted (RFC 7518 §3.2: at least the hash size). @unit bytes */
export const MINIMUM_JWT_SECRET_BYTES = 32;

/** Options of {@link createJwtAuthenticator}: exactly one of `secret` and `jwksUrl`. */
export interface JwtAuthenticatorOptions {
  /** HS256 shared secret (`RELAY_JWT_SECRET`), at least 32 bytes. */
  secret?: string | undefined;
  /** JWKS document of the issuer's public keys (`RELAY_JWKS_URL`). */
  jwksUrl?: string | undefined;
  /** Required `iss`, when set. */
  issuer?: string | undefined;
  /** Accepted audiences: the token's `aud` must name one of them, when set. */
  audience?: string | readonly string[] | undefined;
  /** Tolerated clock skew on `exp`/`nbf`/`iat`. @unit seconds @default 30 */
  clockToleranceSeconds?: number;
  /** Claim of the roles; dots walk into objects. @default "roles" */
  rolesClaim?: string;
  /** Longest wait for the JWKS document. @unit milliseconds @default 5000 */
  jwksTimeoutMs?: number;
}

/** Longest `sub` (the user id). @unit characters */
export const LONGEST_JWT_SUBJECT = 256;

/** Longest `sid` (the session id). @unit characters */
export const LONGEST_JWT_SESSION = 256;

/** Longest role of the roles claim. @unit characters */
export const LONGEST_JWT_ROLE = 128;

/** Most roles a token may carry. */
export const MOST_JWT_ROLES = 64;

/** Printable ASCII without space: what a claim the relay uses may hold. */
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Bearer JWTs verified with `jose`: signature (HS256 with a secret, or an asymmetric key from a
 * JWKS), `exp` (required), `nbf`, `iss` and `aud` when configured, with bounded clock skew.
 * `sub` becomes the user, `sid` the session, the roles claim the roles. `alg: none` and every
 * algorithm outside the configured family are refused. Identity headers are ignored.
 * @throws Error (from the factory) when neither or both of `secret` and `jwksUrl` are given, or
 * the secret is shorter than {@link MINIMUM_JWT_SECRET_BYTES}.
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  if (Boolean(options.secret) === Boolean(options.jwksUrl)) {
    throw new Error("jwt authentication needs exactly one of a secret and a JWKS URL");
  }
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    if (key.byteLength < MINIMUM_JWT_SECRET_BYTES) {
      throw new Error(`the JWT secret must be at least ${MINIMUM_JWT_SECRET_BYTES} bytes`);
    }
    algorithms = ["HS256"];
  } else {
    key = createRemoteJWKSet(new URL(options.jwksUrl!), {
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
    });
    algorithms = [...JWKS_ALGORITHMS];
  }
  const verifyOptions = {
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? 30,
    requiredClaims: ["exp", "sub"],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience?.length
      ? {
          audience: typeof options.audience === "string" ? options.audience : [...options.audience],
        }
      : {}),
  };
  const rolesPath = (options.rolesClaim ?? "roles").split(".");

  return {
    name: "jwt",
    async authenticate(headers) {
      const token = readBearerToken(headers);
      let payload: JWTPayload;
      try {
        // Two calls because jose's overloads type a key and a key resolver apart.
        ({ payload } = await (typeof key === "function"
          ? jwtVerify(token, key, verifyOptions)
          : jwtVerify(token, key, verifyOptions)));
      } catch (error) {
        throw refusal(error);
      }
      return identityOf(payload, rolesPath);
    },
  };
}

/** Whether `value` is 1 to `longest` characters of printable ASCII (no space). */
function isPrintable(value: unknown, longest: number): value is string {
  return typeof value === "string" && value.length <= longest && PRINTABLE.test(value);
}

/**
 * The identity a verified payload names. Every claim used is checked (it ends up in Redis keys,
 * logs, events and answers): `sub` and `sid` are 1–256, each role 1–128 printable ASCII
 * characters without space, at most 64 roles.
 * @throws HttpProblem 401 naming the bad claim.
 */
function identityOf(payload: JWTPayload, rolesPath: readonly string[]): Identity {
  const subject: unknown = payload.sub;
  if (!isPrintable(subject, LONGEST_JWT_SUBJECT)) {
    throw bearerChallenge(
      `the sub claim must be 1 to ${LONGEST_JWT_SUBJECT} printable ASCII characters without space`,
      true,
    );
  }
  let roles: unknown = payload;
  for (const part of rolesPath) {
    roles =
      roles !== null && typeof roles === "object" && Object.hasOwn(roles, part)
        ? (roles as Record<string, unknown>)[part]
        : undefined;
  }
  if (typeof roles === "string") roles = roles.split(" ").filter(Boolean);
  if (roles === undefined) roles = [];
  const rolesName = rolesPath.join(".");
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === "string")) {
    throw bearerChallenge(
      `the ${rolesName} claim must be an array of strings or a space-separated string`,
      true,
    );
  }
  if (
    roles.length > MOST_JWT_ROLES ||
    !roles.every((role) => isPrintable(role, LONGEST_JWT_ROLE))
  ) {
    throw bearerChallenge(
      `the ${rolesName} claim must hold at most ${MOST_JWT_ROLES} roles of 1 to ${LONGEST_JWT_ROLE} printable ASCII characters without space`,
      true,
    );
  }
  const session: unknown = payload.sid;
  if (session !== undefined && session !== "" && !isPrintable(session, LONGEST_JWT_SESSION)) {
    throw bearerChallenge(
      `the sid claim must be 1 to ${LONGEST_JWT_SESSION} printable ASCII characters without space`,
      true,
    );
  }
  const sessionId = typeof session === "string" && session !== "" ? session : undefined;
  return { userId: subject, sessionId, roles: roles as string[] };
}

const REFUSED: Record<string, (error: errors.JOSEError) => string> = {
  ERR_JWT_EXPIRED: () => "token expired",
  ERR_JWT_CLAIM_VALIDATION_FAILED: (error) => {
    const failed = error as errors.JWTClaimValidationFailed;
    return `token ${failed.claim} claim check failed (${failed.reason})`;
  },
  ERR_JOSE_ALG_NOT_ALLOWED: () => "token algorithm not allowed",
  ERR_JOSE_NOT_SUPPORTED: () => "token algorithm not supported",
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: () => "token signature invalid",
  ERR_JWS_INVALID: () => "malformed token",
  ERR_JWT_INVALID: () => "malformed token",
  ERR_JWK_INVALID: () => "malformed token",
  ERR_JWKS_NO_MATCHING_KEY: () => "token signed by an unknown key",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: () => "token key is ambiguous",
};

/** 401 for a bad token; 503 when the issuer's keys cannot be fetched (not the caller's fault). */
function refusal(error: unknown): Error {
  if (error instanceof errors.JOSEError) {
    const describe = REFUSED[error.code];
    if (describe) return bearerChallenge(describe(error), true);
  }
  return httpProblem(
    503,
    "authentication-unavailable",
    "Authentication unavailable",
    {
      detail: "the token issuer's signing keys could not be fetched; retry later",
      retry_after: 5,
    },
    { "Retry-After": "5" },
  );
}
