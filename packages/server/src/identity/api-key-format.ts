import { createHash, randomBytes } from "node:crypto";

/** Every key starts with this, so that secret scanners and people can recognise one. */
export const API_KEY_PREFIX = "wrk_";

const KEY_SHAPE = /^wrk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly made key: the secret to hand out once, and what the keys file keeps. */
export interface GeneratedApiKey {
  /** The whole key, `wrk_<id>_<secret>`: shown to its owner once, never stored. */
  key: string;
  /** Public identifier (12 hex digits), stored in clear to find the entry. */
  id: string;
  /** SHA-256 of the whole key, hex. */
  sha256: string;
}

/**
 * Makes a key of 48 random bits of identifier and 256 random bits of secret. SHA-256 suffices
 * to store it (no slow password hash): a 256-bit random secret cannot be guessed from its hash.
 */
export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(6).toString("hex");
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString("base64url")}`;
  return { key, id, sha256: hashApiKey(key) };
}

/** SHA-256 of a presented key, as stored in the keys file. @returns 64 hex digits */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** SHA-256 of a presented key as bytes (for a constant-time comparison). */
export function hashApiKeyBytes(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/**
 * The public identifier of a well-formed key.
 * @returns undefined when the text is not shaped like a relay API key.
 */
export function apiKeyId(key: string): string | undefined {
  return KEY_SHAPE.exec(key)?.[1];
}
