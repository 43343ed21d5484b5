import { randomBytes, timingSafeEqual } from "node:crypto";
import { stat } from "node:fs/promises";
import type { ApiKeyEntry } from "./api-key-file.js";
import { readApiKeyFile } from "./api-key-file.js";
import { apiKeyId, hashApiKeyBytes } from "./api-key-format.js";
import type { Authenticator } from "./authenticator.js";
import { bearerChallenge, readBearerToken } from "./bearer-token.js";

/** Options of {@link createApiKeyAuthenticator}. */
export interface ApiKeyAuthenticatorOptions {
  /** The keys file (`RELAY_API_KEYS_FILE`). */
  file: string;
  /**
   * How often the file is checked for changes (so that `keys create` takes effect without a
   * restart); 0 never checks. @unit milliseconds @default 2000
   */
  reloadIntervalMs?: number;
  /** Receives reload failures (the previous keys stay in force). @default console.error */
  log?: (message: string) => void;
}

interface LoadedKey {
  entry: ApiKeyEntry;
  digest: Buffer;
}

const UNKNOWN_KEY = "unknown or revoked API key";

/**
 * `Authorization: Bearer wrk_…` keys, checked against the SHA-256 hashes of a keys file.
 *
 * The key's public identifier selects the entry; the hash of the whole presented key is then
 * compared with `timingSafeEqual`. An unknown identifier is compared against a random digest,
 * so a miss costs the same work as a near miss and the answer's timing tells nothing.
 * Identity headers (`user_id`, `session_id`) are ignored.
 * @throws Error (from the factory) when the keys file is missing or malformed.
 */
export async function createApiKeyAuthenticator(
  options: ApiKeyAuthenticatorOptions,
): Promise<Authenticator> {
  const log = options.log ?? ((message: string) => console.error(message));
  const reloadIntervalMs = options.reloadIntervalMs ?? 2000;
  const decoy: LoadedKey = {
    entry: { id: "", sha256: "", user_id: "", roles: [] },
    digest: randomBytes(32),
  };
  let keys = index(await readApiKeyFile(options.file));
  let version = await fileVersion(options.file);
  let lastCheck = Date.now();
  let checking = false;

  async function reload(): Promise<void> {
    try {
      const current = await fileVersion(options.file);
      if (current === version) return;
      keys = index(await readApiKeyFile(options.file));
      version = current;
    } catch (error) {
      log(`warning: API keys file not reloaded, previous keys stay in force: ${String(error)}`);
    } finally {
      checking = false;
    }
  }

  return {
    name: "api-key",
    async authenticate(headers) {
      if (reloadIntervalMs > 0 && !checking && Date.now() - lastCheck >= reloadIntervalMs) {
        // Off the request path: this request is judged by the keys already loaded.
        checking = true;
        lastCheck = Date.now();
        void reload();
      }
      const token = readBearerToken(headers);
      const id = apiKeyId(token);
      if (id === undefined) throw bearerChallenge("malformed API key", true);
      const candidate = keys.get(id) ?? decoy;
      const presented = hashApiKeyBytes(token);
      const same = timingSafeEqual(presented, candidate.digest);
      if (!same || candidate === decoy) throw bearerChallenge(UNKNOWN_KEY, true);
      return { userId: candidate.entry.user_id, roles: [...candidate.entry.roles] };
    },
  };
}

function index(entries: readonly ApiKeyEntry[]): Map<string, LoadedKey> {
  return new Map(
    entries.map((entry) => [entry.id, { entry, digest: Buffer.from(entry.sha256, "hex") }]),
  );
}

async function fileVersion(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}
