import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

const IDENTIFIER = /^[A-Za-z0-9._:@-]{1,128}$/;

/** One stored key: never the key itself, only its hash. */
export const apiKeyEntrySchema = z
  .object({
    /** Public identifier (the 12 hex digits after `wrk_`). */
    id: z.string().regex(/^[0-9a-f]{12}$/, "must be 12 lowercase hex digits"),
    /** SHA-256 of the whole key, 64 hex digits. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
    /** The user the key authenticates as. */
    user_id: z.string().regex(IDENTIFIER, "must be 1–128 letters, digits or . _ : @ -"),
    /** Roles granted to the key's user. @default [] */
    roles: z
      .array(z.string().regex(IDENTIFIER, "must be 1–128 letters, digits or . _ : @ -"))
      .default([]),
    /** When the key was made (ISO 8601). */
    created_at: z.string().optional(),
    /** Free note (who or what uses the key). */
    label: z.string().max(200).optional(),
  })
  .strict();

/** One stored key. */
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

/** The keys file: `{ "keys": [ ... ] }`. */
export const apiKeyFileSchema = z
  .object({ keys: z.array(apiKeyEntrySchema) })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.keys.forEach((entry, index) => {
      if (seen.has(entry.id)) {
        context.addIssue({
          code: "custom",
          path: ["keys", index, "id"],
          message: `duplicate key id ${entry.id}`,
        });
      }
      seen.add(entry.id);
    });
  });

/** Thrown when a keys file cannot be read or is malformed; the message names the file and entry. */
export class ApiKeyFileError extends Error {
  override readonly name = "ApiKeyFileError";
}

/**
 * Reads and validates a keys file.
 * @param missingIsEmpty answer an empty list when the file does not exist (for `keys create`).
 * @throws {@link ApiKeyFileError} naming the file and the bad entry.
 */
export async function readApiKeyFile(path: string, missingIsEmpty = false): Promise<ApiKeyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (missingIsEmpty && (error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ApiKeyFileError(`cannot read API keys file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ApiKeyFileError(`API keys file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = apiKeyFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) =>
        `${
          issue.path
            .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
            .join("")
            .replace(/^\./, "") || "(file)"
        }: ${issue.message}`,
    );
    throw new ApiKeyFileError(`API keys file ${path} is invalid:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data.keys;
}

/**
 * Replaces a keys file atomically (written beside it, then renamed), readable by its owner only.
 * @throws the file system's error when the directory is not writable.
 */
export async function writeApiKeyFile(path: string, keys: readonly ApiKeyEntry[]): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}
