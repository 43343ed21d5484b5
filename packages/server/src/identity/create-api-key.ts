import type { ApiKeyEntry } from "./api-key-file.js";
import { apiKeyEntrySchema, readApiKeyFile, writeApiKeyFile } from "./api-key-file.js";
import { generateApiKey } from "./api-key-format.js";

/** What {@link createApiKey} needs. */
export interface CreateApiKeyOptions {
  /** The keys file; created (mode 0600) when missing. */
  file: string;
  /** User the key authenticates as. */
  userId: string;
  /** Roles granted to it. @default [] */
  roles?: readonly string[];
  /** Free note stored with the entry. */
  label?: string | undefined;
  /** Creation time. @default now */
  now?: Date;
}

/**
 * Makes a new key and appends its hash to the keys file.
 * @returns the key (to show once: only its hash is kept) and the stored entry.
 * @throws Error naming the bad field when the user id or a role is malformed.
 * @throws ApiKeyFileError when the existing file is malformed.
 */
export async function createApiKey(
  options: CreateApiKeyOptions,
): Promise<{ key: string; entry: ApiKeyEntry }> {
  const generated = generateApiKey();
  const parsed = apiKeyEntrySchema.safeParse({
    id: generated.id,
    sha256: generated.sha256,
    user_id: options.userId,
    roles: [...(options.roles ?? [])],
    created_at: (options.now ?? new Date()).toISOString(),
    ...(options.label ? { label: options.label } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field =
      issue.path[0] === "user_id"
        ? "user"
        : issue.path[0] === "roles"
          ? "role"
          : String(issue.path[0]);
    throw new Error(`invalid ${field}: ${issue.message}`);
  }
  const existing = await readApiKeyFile(options.file, true);
  await writeApiKeyFile(options.file, [...existing, parsed.data]);
  return { key: generated.key, entry: parsed.data };
}

/**
 * Removes a key from the keys file.
 * @returns false when no key has that id.
 * @throws ApiKeyFileError when the file is missing or malformed.
 */
export async function revokeApiKey(file: string, id: string): Promise<boolean> {
  const existing = await readApiKeyFile(file);
  const kept = existing.filter((entry) => entry.id !== id);
  if (kept.length === existing.length) return false;
  await writeApiKeyFile(file, kept);
  return true;
}
